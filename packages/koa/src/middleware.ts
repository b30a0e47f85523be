import './augment.js';
import { type Session, SessionError, type SessionManager } from '@fastmmap/session-core';
import {
  adapterManager,
  commitCookieless,
  commitForCache,
  commitNow,
  commitWithoutCookies,
  cookieNameOf,
  guardStreamBody,
  isWebSocketUpgrade,
  lifetimeSetHere,
  plannedCookies,
  unreachableAfterHeaders,
} from '@fastmmap/session-core/adapter';
import type { Context, Middleware, Next } from 'koa';
import {
  attachSession,
  type OuterSession,
  restoreOuterSession,
  sessionIsOurs,
  sessionNamed,
  takeOuterSession,
  takePendingDestroy,
} from './context-session.js';
import { keepSessionCookies } from './late-cookies.js';
import type { KoaSessionOptions } from './options.js';
import {
  reportLateLifetime,
  reportUnsentCookies,
  sentCookieNamed,
  unreachableOutcome,
} from './unsent-cookies.js';

export interface SessionMiddleware extends Middleware {
  /** The manager behind the middleware (its store, its options). */
  readonly manager: SessionManager;
  /** Closes the manager (and the store it created); a manager passed in is left open. */
  close(): Promise<void>;
}

/** What the request's session was when loaded: a commit after the headers compares. */
interface Loaded {
  readonly id: string;
  readonly maxAge: number | null;
  readonly cookieName: string;
}

/**
 * The commit once downstream has settled: after the destroy `ctx.session = null` started (a
 * failed destroy rejects here, and nothing is committed: the request meant to end the session).
 */
function finish(ctx: Context, session: Session, loaded: Loaded): string[] | Promise<string[]> {
  const destroying = takePendingDestroy(ctx);
  if (destroying === undefined) return commitReachable(ctx, session, loaded);
  return destroying.then(() => commitReachable(ctx, session, loaded));
}

function commitReachable(
  ctx: Context,
  session: Session,
  loaded: Loaded,
): string[] | Promise<string[]> {
  // An id the client does not have yet (new, or regenerated here) whose cookie can no longer
  // go out is not written: no request could ever reach it, so it would only take room until
  // it expired. (A regenerated session's old id is already dead: the user is logged out
  // either way.) The report says whether a save() stored it before the headers went out.
  // A known id is committed: the client's cookie still finds it.
  // Nothing to report on a WebSocket: no response with our headers will ever come.
  if (cannotCarryCookies(ctx)) return commitCookieless(session, loaded.id);
  // A refresh cookie waits for a response no shared cache may store (see commitForCache).
  if (!ctx.headerSent) return commitForCache(session, ctx.response.get('Cache-Control'));
  if (unreachableAfterHeaders(session, loaded.id)) {
    const outcome = unreachableOutcome(session);
    if (reportUnsentCookies(ctx, session, plannedCookies(session), outcome)) return [];
    return commitNow(session);
  }
  // A known id: nothing is planned for a response that went out, so a renewal stays due and
  // a new lifetime is owed: the next response that can carry a cookie sends either.
  // Read before the commit: after it, a lifetime another request stored since our load (and
  // sent) would count as ours. A save() takes one too: hence the flag.
  const lifetimeChanged = lifetimeSetHere(session) && session.maxAge !== loaded.maxAge;
  // A cookie a save() planned went nowhere too, unless the app sent it with the headers.
  const committed = commitWithoutCookies(session, !sentCookieNamed(ctx, loaded.cookieName));
  const reported = (cookies: string[]) => {
    if (lifetimeChanged) reportLateLifetime(ctx, session, loaded.cookieName);
    return cookies;
  };
  return committed instanceof Promise ? committed.then(reported) : reported(committed);
}

/**
 * koa-websocket runs `app.ws` middleware once per WebSocket, after the upgrade, on a ctx made
 * without a response: `ctx.headerSent` throws there (a TypeError that koa-websocket swallows,
 * so the commit never ran). koa-easy-ws's ctx.ws() answers the handshake itself, without ctx's
 * headers, and sets `ctx.respond = false`; a handshake refused instead (`ctx.status = 401`) is
 * an HTTP response like any other, which carries the cookie.
 */
function cannotCarryCookies(ctx: Context): boolean {
  return (
    (ctx.res as Context['res'] | undefined) === undefined ||
    (ctx.respond === false && isWebSocketUpgrade(ctx.req.headers.upgrade))
  );
}

/**
 * Koa middleware: `app.use(session({ secret }))`, then `ctx.session` downstream.
 * The session is committed after the downstream middleware settles (resolves or throws) and
 * before Koa writes the response, so the client's next request sees the change. A commit
 * that fails throws, so Koa answers 500 through its error handling; if downstream threw
 * already, that error is rethrown and the commit's is emitted as the app's 'error' event.
 * `ctx.session = null` destroys the session (the commit waits for it). Session cookies the
 * response can no longer carry (its headers went out early) are reported as 'error' events.
 * `ctx.secure` (which follows `app.proxy`) decides `Secure` cookies when `cookie.secure` is
 * 'auto'.
 */
export function session(options: KoaSessionOptions): SessionMiddleware {
  // koa-session's session(app) form: the app is not options (it would be refused key by key).
  if (isKoaApp(options)) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'session() takes options, not the Koa app: write app.use(session({ secret }))',
    );
  }
  const { manager, owned } = adapterManager(options);
  const cookieName = cookieNameOf(manager);

  const middleware = (ctx: Context, next: Next): Promise<void> => {
    // Mounted twice for one cookie (say, app-wide and on a router): the first one wins.
    // A session() for another cookie (an admin session, say) runs, and gives ctx.session
    // back to the outer one when it is done.
    let outer: OuterSession | undefined;
    if (ctx.session !== undefined) {
      // Another owner of ctx.session (koa-session), or this cookie's session() further out.
      if (!sessionIsOurs(ctx)) return next();
      const loaded = sessionNamed(ctx, cookieName);
      if (loaded === 'current') return next();
      // Mounted again inside another cookie's session(): what it hands on would be that
      // other session, so the code after it would write to the wrong one.
      if (loaded === 'outer') return Promise.reject(nestedAgainError(cookieName));
      outer = takeOuterSession(ctx);
    }
    if (outer === undefined) return run(ctx, next);
    const restore = () => restoreOuterSession(ctx, outer);
    return run(ctx, next).finally(restore);
  };

  const run = async (ctx: Context, next: Next): Promise<void> => {
    // A synchronous store (Store.sync) answers in the call: no await, no extra tick.
    // ctx is the RequestInfo: its secure getter (app.proxy logic) runs only for a cookie.
    const loaded = manager.loadNow(ctx.get('cookie') || undefined, ctx);
    const session = loaded instanceof Promise ? await loaded : loaded;
    const atLoad: Loaded = { id: session.id, maxAge: session.maxAge, cookieName };
    attachSession(ctx, session, cookieName);
    let failed = false;
    let failure: unknown;
    try {
      await next();
    } catch (err) {
      failed = true;
      failure = err;
    }
    // Committed whether or not downstream threw (koa-session's autoCommit does the same): an
    // upstream error handler that renders a page keeps what the request changed before.
    let cookies: string[] = [];
    try {
      const committed = finish(ctx, session, atLoad);
      // Koa 3 listens to a stream body only once it pipes it, after the middleware settles.
      if (committed instanceof Promise) guardStreamBody(ctx.body, committed);
      cookies = committed instanceof Promise ? await committed : committed;
    } catch (commitError) {
      if (!failed) throw commitError;
      // The downstream error is the one to answer; the commit's is reported, not lost.
      ctx.app.emit('error', commitError, ctx);
    }
    // Appended, never replacing: other middleware may have set cookies of their own. On a
    // WebSocket a cookie has nowhere to go (and without ctx.res, ctx.headerSent throws).
    if (cookies.length > 0 && !cannotCarryCookies(ctx)) {
      if (ctx.headerSent) reportUnsentCookies(ctx, session, cookies, 'stored');
      else {
        for (const cookie of cookies) ctx.append('Set-Cookie', cookie);
        // Answered later, by code that may set a Set-Cookie of its own (a proxy).
        if (ctx.respond === false) keepSessionCookies(ctx.res, cookies);
      }
    }
    if (failed) throw failure;
  };

  return Object.assign(middleware, {
    manager,
    close: () => (owned ? manager.close() : Promise.resolve()),
  });
}

function nestedAgainError(cookieName: string): SessionError {
  return new SessionError(
    'ERR_SESSION_OPTIONS',
    `session() for the cookie "${cookieName}" is mounted again inside a session() for another cookie: ctx.session there is that other session, so the code after it would use the wrong one. Mount it once, outside`,
  );
}

function isKoaApp(value: unknown): boolean {
  const app = value as { use?: unknown; middleware?: unknown } | null;
  return typeof app?.use === 'function' && Array.isArray(app.middleware);
}
