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
export type { KoaSessionOptions } from './options.js';
export type { KoaSession, KoaSessionApi } from './session-api.js';
// KoaSessionStore (for koa-session) lives at '@fastmmap/koa/store': importing it from here
// would bring this entry's `ctx.session` typing into a koa-session app.
