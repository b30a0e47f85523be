import './augment.js';

export type {
  CookieOptions,
  Session,
  SessionData,
  SessionManager,
  SessionManagerOptions,
  Store,
} from '@fastmmap/session-core';
export { FastMmapStore, MemoryStore, SessionError } from '@fastmmap/session-core';
export { type SessionMiddleware, session } from './middleware.js';
export type { KoaSessionOptions } from './options.js';
export { type KoaSessionRecord, KoaSessionStore, type KoaSessionStoreOptions } from './store.js';
