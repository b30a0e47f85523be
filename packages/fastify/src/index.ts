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
export type { FastifySessionOptions } from './options.js';
export { fastifySession as default, fastifySession } from './plugin.js';
export type { FastifySession, FastifySessionView, SessionCallback } from './session-api.js';
