import './augment.js';

export type { Session, SessionData, SessionManager } from '@fastmmap/session-core';
export { type SessionMiddleware, session } from './middleware.js';
export type { KoaSessionOptions } from './options.js';
export { type KoaSessionRecord, KoaSessionStore, type KoaSessionStoreOptions } from './store.js';
