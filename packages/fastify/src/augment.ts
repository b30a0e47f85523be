import type { Session, SessionData, SessionManager } from '@fastmmap/session-core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session of this request; its data is typed by merging `SessionData`. */
    session: Session<SessionData>;
  }
  interface FastifyInstance {
    /** The session manager the plugin uses (its `store`, for a sweeper or stats). */
    sessionManager: SessionManager;
  }
}
