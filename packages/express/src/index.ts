import './augment.js';

export type {
  CookieOptions,
  Session,
  SessionData,
  SessionErrorCode,
  SessionManager,
  SessionManagerOptions,
  Store,
} from '@fastmmap/session-core';
export { FastMmapStore, isSessionError, MemoryStore, SessionError } from '@fastmmap/session-core';
export { type SessionMiddleware, session } from './middleware.js';
export type { ExpressSessionOptions } from './options.js';
export type { ExpressSession, ExpressSessionApi, SessionCallback } from './session-types.js';
