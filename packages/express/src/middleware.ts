import './augment.js';
import { type Session, SessionError, type SessionManager } from '@fastmmap/session-core';
import { adapterManager, cookieNameOf } from '@fastmmap/session-core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { cookieHeader } from './cookie-header.js';
import { holderOf } from './holders.js';
import type { ExpressSessionOptions } from './options.js';
import { attachSession, hasSession } from './prototype-hooks.js';
import { requestInfo } from './request-info.js';
import { RequestSession } from './request-session.js';
import { createSessionView } from './session-view.js';

export interface SessionMiddleware extends RequestHandler {
  /** The manager behind the middleware (its store, its options). */
  readonly manager: SessionManager;
  /** Closes the manager (and the store it created); a manager passed in is left open. */
  close(): Promise<void>;
}

/**
 * A session() for another cookie name reached by a request that has a session already: there
 * is one req.session, so that middleware's session (an admin cookie with its own secret, say)
 * would silently be the other one. Refused, not skipped (undefined for the same name).
 */
function secondSessionError(req: Request, res: Response, cookieName: string) {
  const state = holderOf(req, res);
  if (!(state instanceof RequestSession)) return undefined;
  const first = cookieNameOf(state.manager);
  if (first === cookieName) return undefined;
  return new SessionError(
    'ERR_SESSION_OPTIONS',
    `two session() middlewares on one request, for the cookies "${first}" and "${cookieName}": req.session holds one session, so the second is refused rather than ignored. Mount them on paths that do not overlap, or use one session()`,
  );
}

/** Gives the request its loaded session, then hands it on. */
function begin(
  manager: SessionManager,
  req: Request,
  res: Response,
  next: NextFunction,
  session: Session,
): void {
  const state = new RequestSession(req, manager, session, next);
  state.value = createSessionView(state);
  attachSession(req, res, state);
  next();
}

/**
 * Express middleware: `app.use(session({ secret }))`, then `req.session` in handlers.
 * Loads the session from the Cookie header and commits it before the response is complete.
 * `req.secure` (which follows Express's `trust proxy` setting) decides `Secure` cookies when
 * `cookie.secure` is `'auto'`.
 */
export function session(options: ExpressSessionOptions): SessionMiddleware {
  const { manager, owned } = adapterManager(options);

  const cookieName = cookieNameOf(manager);

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // Mounted twice (say, app-wide and on a router): the first one wins.
    if (hasSession(req, res)) {
      next(secondSessionError(req, res, cookieName));
      return;
    }
    // req.secure (Express's getter) runs only for a cookie.
    const loaded = manager.loadNow(cookieHeader(req), requestInfo(req));
    // A synchronous store gives the session in the call: no promise to wait for.
    if (loaded instanceof Promise)
      loaded.then((session) => begin(manager, req, res, next, session), next);
    else begin(manager, req, res, next, loaded);
  };

  return Object.assign(middleware, {
    manager,
    close: () => (owned ? manager.close() : Promise.resolve()),
  });
}
