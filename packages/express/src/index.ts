import './augment.js';

export type { Session, SessionData, SessionManager } from '@fastmmap/session-core';
export { type SessionMiddleware, session } from './middleware.js';
export type { ExpressSessionOptions } from './options.js';
