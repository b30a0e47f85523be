import './augment.js';
import { createSessionManager, type SessionManager } from '@fastmmap/session-core';
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
 * The session is committed after the downstream middleware resolves and before Koa writes
 * the response, so the client's next request sees the change. A request that throws commits
 * nothing (what it already did through regenerate() or destroy() stays done); a commit that
 * fails throws, so Koa answers 500 through its error handling. `ctx.secure` (which follows
 * `app.proxy`) decides `Secure` cookies when `cookie.secure` is 'auto'.
 */
export function session(options: KoaSessionOptions): SessionMiddleware {
  const owned = !('manager' in options);
  const manager = 'manager' in options ? options.manager : createSessionManager(options);

  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    // Mounted twice (say, app-wide and on a router): the first one wins.
    if (ctx.session !== undefined) return next();
    const session = await manager.load(ctx.get('cookie') || undefined, { secure: ctx.secure });
    ctx.session = session;
    await next();
    const cookies = await session.commit();
    // Appended, never replacing: other middleware may have set cookies of their own.
    if (!ctx.headerSent) for (const cookie of cookies) ctx.append('Set-Cookie', cookie);
  };

  return Object.assign(middleware, {
    manager,
    close: () => (owned ? manager.close() : Promise.resolve()),
  });
}
