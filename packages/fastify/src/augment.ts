import type { Session as CoreSession, SessionData, SessionManager } from '@fastmmap/session-core';

// `CoreSession`, not `Session`: inside `declare module 'fastify'` the name `Session` would
// resolve to fastify's own `Session` interface when @fastify/session's typings are loaded too.
// Both plugins declare `request.session`, so one program can type only one of them (README).
declare module 'fastify' {
  interface FastifyRequest {
    /** The session of this request; its data is typed by merging `SessionData`. */
    session: CoreSession<SessionData>;
  }
  interface FastifyInstance {
    /** The session manager the plugin uses (its `store`, for a sweeper or stats). */
    sessionManager: SessionManager;
  }
}
