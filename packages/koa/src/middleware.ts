import './augment.js';
import { commitNow, createSessionManager, type SessionManager } from '@fastmmap/session-core';
import type { Context, Middleware, Next } from 'koa';
import type { KoaSessionOptions } from './options.js';

export interface SessionMiddleware extends Middleware {
  /** The manager behind the middleware (its store, its options). */
  readonly manager: SessionManager;
  /** Closes the manager (and the store it created); a manager passed in is left open. */
  close(): Promise<void>;
}

/**
 * Koa middleware: `app.use(session({ secret }))`, then `ctx.session` downstream.
 * The session is committed after the downstream middleware settles (resolves or throws) and
 * before Koa writes the response, so the client's next request sees the change. A commit
 * that fails throws, so Koa answers 500 through its error handling; if downstream threw
 * already, that error is rethrown and the commit's is emitted as the app's 'error' event.
 * `ctx.secure` (which follows `app.proxy`) decides `Secure` cookies when `cookie.secure` is
 * 'auto'.
 */
export function session(options: KoaSessionOptions): SessionMiddleware {
  const owned = !('manager' in options);
  const manager = 'manager' in options ? options.manager : createSessionManager(options);

  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    // Mounted twice (say, app-wide and on a router): the first one wins.
    if (ctx.session !== undefined) return next();
    // A synchronous store (Store.sync) answers in the call: no await, no extra tick.
    const loaded = manager.loadNow(ctx.get('cookie') || undefined, { secure: ctx.secure });
    const session = loaded instanceof Promise ? await loaded : loaded;
    ctx.session = session;
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
      const committed = commitNow(session);
      cookies = committed instanceof Promise ? await committed : committed;
    } catch (commitError) {
      if (!failed) throw commitError;
      // The downstream error is the one to answer; the commit's is reported, not lost.
      ctx.app.emit('error', commitError, ctx);
    }
    // Appended, never replacing: other middleware may have set cookies of their own.
    if (!ctx.headerSent) for (const cookie of cookies) ctx.append('Set-Cookie', cookie);
    if (failed) throw failure;
  };

  return Object.assign(middleware, {
    manager,
    close: () => (owned ? manager.close() : Promise.resolve()),
  });
}
