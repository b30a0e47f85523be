import type { SessionData, SessionManager } from '@fastmmap/session-core';
import type { FastifySessionView as FastmmapSession } from './session-api.js';

// `FastmmapSession`, not `Session`: inside `declare module 'fastify'` the name `Session` would
// resolve to fastify's own `Session` interface when @fastify/session's typings are loaded too.
// Both plugins declare `request.session`, so one program can type only one of them (README).
declare module 'fastify' {
  interface FastifyRequest {
    /** The session of this request; its data is typed by merging `SessionData`. */
    get session(): FastmmapSession<SessionData>;
    /** `request.session = null` (or undefined) destroys the session; nothing else is accepted. */
    set session(value: null | undefined);
  }
  interface FastifyInstance {
    /** The session manager the plugin uses (its `store`, for a sweeper or stats). */
    sessionManager: SessionManager;
  }
}
