import './augment.js';
import { adapterManager, type Session, type SessionManager } from '@fastmmap/session-core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { cookieHeader } from './cookie-header.js';
import type { ExpressSessionOptions } from './options.js';
import { attachSession, hasSession } from './prototype-hooks.js';
import { RequestSession } from './request-session.js';
import { createSessionView } from './session-view.js';

export interface SessionMiddleware extends RequestHandler {
  /** The manager behind the middleware (its store, its options). */
  readonly manager: SessionManager;
  /** Closes the manager (and the store it created); a manager passed in is left open. */
  close(): Promise<void>;
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

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // Mounted twice (say, app-wide and on a router): the first one wins.
    if (hasSession(req, res)) {
      next();
      return;
    }
    // The request is the RequestInfo: req.secure (Express's getter) runs only for a cookie.
    const loaded = manager.loadNow(cookieHeader(req), req);
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
