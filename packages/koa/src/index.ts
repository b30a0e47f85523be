import './augment.js';

export type { Session, SessionData, SessionManager } from '@fastmmap/session-core';
export { session, type SessionMiddleware } from './middleware.js';
export type { KoaSessionOptions } from './options.js';
export { KoaSessionStore, type KoaSessionRecord, type KoaSessionStoreOptions } from './store.js';
