import type { Context } from 'hono';

/**
 * A request header as `c.req.header(name)` gives it, read from Node's own `headers` object
 * where that is the same thing. On @hono/node-server, `c.req.header()` makes its light
 * Request build a Web `Headers` of every request header (each one through undici's checks):
 * 12-16 µs of CPU a request with a browser's usual headers (measured). Node's object holds
 * the same values: both trim them and join repeated lines alike (Cookie with '; ', others
 * with ', '). Read there only while `c.req.raw` is still the light Request of that very
 * IncomingMessage, untouched: its Headers not built yet, so no middleware changed them.
 * Anywhere else (another runtime, `app.request()`, a Request made by app code or by
 * `app.mount()`, Headers already built): `c.req.header()`. `name` is lower case.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const headers = untouchedNodeHeaders(c);
  if (headers !== undefined) {
    const value = headers[name];
    if (value === undefined || typeof value === 'string') return value;
  }
  return c.req.header(name);
}

interface NodeIncoming {
  readonly headers?: Record<string, unknown>;
}

/**
 * Node's headers of the request when `c.req.raw` is @hono/node-server's light Request of
 * `c.env.incoming` as the server made it: its own keys are then exactly the symbols for the
 * IncomingMessage and the URL (the built Headers, a real Request made on demand, or anything
 * set on it adds more). Told by their descriptions: another layout (another version of the
 * server) takes the general way.
 */
function untouchedNodeHeaders(c: Context): Record<string, unknown> | undefined {
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
  const { headers } = incoming as NodeIncoming;
  return typeof headers === 'object' && headers !== null ? headers : undefined;
}
