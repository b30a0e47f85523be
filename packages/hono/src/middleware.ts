import {
  type SessionData,
  SessionError,
  type SessionManager,
  type SessionManagerOptions,
} from '@fastmmap/session-core';
import {
  adapterManager,
  commitCookieless,
  commitForCache,
  cookieNameOf,
  isWebSocketUpgrade,
  refreshOnly,
} from '@fastmmap/session-core/adapter';
import type { Context, MiddlewareHandler } from 'hono';
import { guardFor, loadedFor } from './guard.js';
import { appendSetCookies, lightCopyWithCookies } from './light-response.js';
import { requestHeader } from './request-header.js';
import { type HonoSession, pendingDelete } from './session-api.js';

/** The context variables the middleware sets: `new Hono<{ Variables: SessionVariables }>()`. */
export interface SessionVariables<D extends object = SessionData> {
  session: HonoSession<D>;
  /** hono-sessions' key rotation: `c.set('session_key_rotation', true)` gives a new id. */
  session_key_rotation?: boolean;
}

/** A Hono `Env` with the session variable, for `createMiddleware<SessionEnv>` and friends. */
export interface SessionEnv<D extends object = SessionData> {
  Variables: SessionVariables<D>;
}

interface ProxyOptions {
  /**
   * Believe the `X-Forwarded-Proto` header when deciding whether the request came over
   * HTTPS (for `cookie.secure: 'auto'`). Only turn on behind a proxy that sets it. Default false:
   * the request URL's own protocol decides.
   */
  trustProxy?: boolean | undefined;
}

/**
 * The session manager's options (secret, name, cookie, ttl, absoluteTimeout, rolling,
 * touchAfter, tombstoneTtl, saveUninitialized, genid, store, clock) and `trustProxy`, or an
 * existing `manager` to share. Unknown keys are refused with ERR_SESSION_OPTIONS.
 */
export type HonoSessionOptions =
  | (SessionManagerOptions & ProxyOptions & { manager?: undefined })
  | (ProxyOptions & { manager: SessionManager });

export interface SessionMiddleware extends MiddlewareHandler<SessionEnv> {
  readonly manager: SessionManager;
  /** Closes the manager (and the store it created) unless it was passed in. */
  close(): Promise<void>;
}

/**
 * Sessions for Hono: `app.use(session({ secret }))`, then `c.get('session')`. The session is
 * loaded from the Cookie header before the handler and committed after it, before the
 * response leaves the middleware; a store error goes to `app.onError`. Reached a second time
 * on a request for the same cookie name, it only calls next(): the first one wins.
 */
export function session(options: HonoSessionOptions): SessionMiddleware {
  const trustProxy = trustProxyOption(options.trustProxy);
  const { manager, owned } = adapterManager(options, HONO_KEYS);
  const cookieName = cookieNameOf(manager);
  const guarded = guardFor(cookieName);

  const middleware: MiddlewareHandler<SessionEnv> = async (c, next) => {
    // Mounted twice for one cookie (app-wide and on a path, or by a sub-app): the first one
    // wins. A second load and commit would send a second Set-Cookie with another new id, and
    // the browser would keep that one. A session() for another cookie name still runs.
    const previous = loadedFor(c.get('session'));
    if (previous !== undefined && previous !== cookieName) {
      // Another cookie's session() ran first. The names loaded on this request are kept
      // only in apps with several (one-session apps pay nothing): a later mount of the first
      // one, after this, must still see that it ran.
      const names = (c.get as (key: string) => unknown)(LOADED_NAMES) as string[] | undefined;
      if (names?.includes(cookieName)) return next();
      (c.set as (key: string, value: unknown) => void)(LOADED_NAMES, [
        ...(names ?? [previous]),
        cookieName,
      ]);
    } else if (previous === cookieName) return next();
    // A synchronous store (Store.sync) answers in the call: no await, no extra tick.
    const loaded = manager.loadNow(requestHeader(c, 'cookie'), { secure: isHttps(c, trustProxy) });
    const current = loaded instanceof Promise ? await loaded : loaded;
    const loadedId = current.id;
    c.set('session', guarded(current) as HonoSession);
    await next();
    try {
      // A deleteSession() in the handler: its failure fails the request (most have none to wait for).
      const deleting = pendingDelete(current);
      if (deleting !== undefined) await deleting;
      // `c.set('session', null)` (JavaScript; TypeScript refuses it) logs out, as assigning null
      // does in the other adapters: committing the session anyway would keep the user logged
      // in. The view goes back, so an outer session() for another cookie leaves its own alone.
      if (c.get('session') == null) {
        await current.destroy();
        c.set('session', guarded(current) as HonoSession);
      }
      // hono-sessions' way to ask for a new id at login: honoured, not silently ignored.
      const rotate = (c.get as (key: string) => unknown)(KEY_ROTATION) === true;
      // A visitor with nothing to store keeps having no session (and no cookie).
      const something = !current.isNew || Object.keys(current.data).length > 0;
      if (rotate && something && !current.destroyed) {
        await current.regenerate();
      }
      // @hono/node-ws sends the handshake's 101 without our headers: no cookie can go out
      // (node-server 2.x's own upgradeWebSocket() sends them; session() does not tell which).
      const committed = isWebSocketUpgrade(requestHeader(c, 'upgrade'))
        ? commitCookieless(current, loadedId)
        : // A refresh cookie waits for a response no shared cache may store. The header is
          // read only for such a cookie: reading `c.res.headers` makes @hono/node-server
          // build a full Response where it would write its light one (~3 µs a request).
          commitForCache(
            current,
            refreshOnly(current) ? c.res.headers.get('cache-control') : undefined,
          );
      const cookies = committed instanceof Promise ? await committed : committed;
      if (cookies.length > 0) appendCookies(c, cookies);
    } catch (err) {
      discardResponse(c);
      throw err;
    }
  };

  return Object.assign(middleware, {
    manager,
    close: async () => {
      if (owned) await manager.close();
    },
  });
}

/**
 * Headers of the handler's answer that must not reach the error's: its body's framing and
 * description, its caching (a CDN would keep the 500), where it sent the client, and its
 * cookies (Hono's res setter would put them in place of the error answer's own).
 */
const ANSWER_HEADERS = new Set([
  'content-length',
  'content-type',
  'content-encoding',
  'content-range',
  'content-disposition',
  'content-language',
  'content-location',
  'content-digest',
  'content-md5',
  'transfer-encoding',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
  'cdn-cache-control',
  'surrogate-control',
  'pragma',
  'expires',
  'age',
  'date',
  'location',
  'refresh',
  'link',
  'set-cookie',
  'www-authenticate',
  'retry-after',
]);

/**
 * A failed commit: the handler's response will not go out, app.onError answers instead. Its
 * body is cancelled (a file stream would keep its descriptor, a stream() callback would wait
 * forever), and it is replaced by an empty 500 that keeps only the headers other middleware
 * set for any answer (CORS, a request id): Hono carries the response in place into the
 * error's, and a stale Content-Length there (serveStatic's, a proxied fetch's) would break
 * the framing of the connection, a Location would send the client on as if it had worked.
 */
function discardResponse(c: Context): void {
  if (!c.finalized) return;
  const { res } = c;
  res.body?.cancel().catch(() => {});
  const headers = new Headers();
  for (const [name, value] of res.headers) {
    if (!ANSWER_HEADERS.has(name)) headers.append(name, value);
  }
  // Cleared first, or Hono's setter would merge the old headers back in.
  c.res = undefined as unknown as Response;
  c.res = new Response(null, { status: 500, headers });
}

/** The cookie names whose session() has run on this request, once there are two. */
const LOADED_NAMES = '@fastmmap/hono loaded cookie names';

/** The context variable hono-sessions reads to rotate the session key. */
const KEY_ROTATION = 'session_key_rotation';

// This middleware's own keys, next to the manager's options or to a shared manager.
const HONO_KEYS = ['trustProxy'] as const;

/** A string 'true' from an env var must not pass for false: requests would lose Secure. */
function trustProxyOption(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  throw new SessionError(
    'ERR_SESSION_OPTIONS',
    `trustProxy must be true or false, got ${JSON.stringify(value)}`,
  );
}

function isHttps(c: Context, trustProxy: boolean): boolean {
  if (trustProxy) {
    const forwarded = requestHeader(c, 'x-forwarded-proto');
    // The first value is what the client used (the closest proxy appends after it).
    if (forwarded) return forwarded.split(',', 1)[0]!.trim().toLowerCase() === 'https';
  }
  return c.req.url.startsWith('https:');
}

/**
 * Appends the session's cookies to the response the handler returned: to a copy of
 * @hono/node-server's light Response (see lightCopyWithCookies), else through `c.header()`.
 * Recent Hono copies a finalized response when a header is added; older Hono (before 4.9), or
 * @hono/node-server 1.x with a `fetch()` response, writes into the returned response, whose
 * headers are immutable when it came from `fetch()` or `Response.redirect()`. Such a
 * response is copied here.
 */
function appendCookies(c: Context, cookies: readonly string[]): void {
  const light = c.finalized ? lightCopyWithCookies(c.res, cookies) : undefined;
  if (light !== undefined) {
    replaceResponse(c, light);
    return;
  }
  try {
    for (const cookie of cookies) c.header('Set-Cookie', cookie, { append: true });
    return;
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
  const { res } = c;
  const headers = appendSetCookies(new Headers(res.headers), cookies);
  replaceResponse(
    c,
    new Response(res.body, { status: res.status, statusText: res.statusText, headers }),
  );
}

/**
 * `c.res = res`, the old response cleared first: Hono's setter merges the old response's
 * headers into the new one (copying the old one through its body, or writing to it first in
 * older Hono); with no old response there is nothing to merge.
 */
function replaceResponse(c: Context, res: Response): void {
  c.res = undefined as unknown as Response;
  c.res = res;
}
