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
export type {
  HonoSessionOptions,
  SessionEnv,
  SessionMiddleware,
  SessionVariables,
} from './middleware.js';
export { session } from './middleware.js';
export type { HonoSession } from './session-api.js';
