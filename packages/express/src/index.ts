import './augment.js';

export type { Session, SessionData, SessionManager } from '@fastmmap/session-core';
export { session, type SessionMiddleware } from './middleware.js';
export type { ExpressSessionOptions } from './options.js';
