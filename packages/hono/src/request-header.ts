import type { Context } from 'hono';
import { rawHeader, UNREADABLE } from './raw-header.js';

/**
 * A request header as `c.req.header(name)` gives it, read from Node's `rawHeaders` where
 * that is the same thing. On @hono/node-server 1.x, `c.req.header()` makes its light Request
 * build a Web `Headers` of every request header (each one through undici's checks): 12-16 µs
 * of CPU a request with a browser's usual headers (measured). That Headers is built from
 * `rawHeaders`, so the same lines, scanned with undici's trim and join, give the same value;
 * not Node's `headers` object, which a layer in front of the server may have rewritten.
 * Read there only while `c.req.raw` is still the light Request of that very IncomingMessage,
 * untouched: its Headers not built yet, so no middleware changed them. Anywhere else
 * (another runtime, `app.request()`, a Request made by app code or by `app.mount()`, Headers
 * already built, and 2.x, whose `c.req.header()` answers from Node's `headers` object
 * without building a Headers): `c.req.header()`. `name` is lower case.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const rawHeaders = untouchedRawHeaders(c);
  if (rawHeaders !== undefined) {
    const value = rawHeader(rawHeaders, name);
    if (value !== UNREADABLE) return value;
  }
  return c.req.header(name);
}

interface NodeIncoming {
  readonly rawHeaders?: unknown;
}

/**
 * Node's raw header lines of the request when `c.req.raw` is @hono/node-server 1.x's light
 * Request of `c.env.incoming` as the server made it: its own keys are then exactly the
 * symbols for the IncomingMessage and the URL (the built Headers, a real Request made on
 * demand, or anything set on it adds more). Told by their descriptions: another layout
 * (2.x adds a method key, so its requests always have three) takes the general way.
 */
function untouchedRawHeaders(c: Context): readonly unknown[] | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (typeof incoming !== 'object' || incoming === null) return undefined;
  const keys = Reflect.ownKeys(c.req.raw);
  if (keys.length !== 2) return undefined;
  const [incomingKey, urlKey] = keys;
  if (
    typeof incomingKey !== 'symbol' ||
    incomingKey.description !== 'incomingKey' ||
    typeof urlKey !== 'symbol' ||
    urlKey.description !== 'urlKey' ||
    (c.req.raw as unknown as Record<symbol, unknown>)[incomingKey] !== incoming
  ) {
    return undefined;
  }
  const { rawHeaders } = incoming as NodeIncoming;
  return Array.isArray(rawHeaders) ? rawHeaders : undefined;
}
