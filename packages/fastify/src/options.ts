import type { SessionManager, SessionManagerOptions } from '@fastmmap/session-core';

/**
 * Options of the Fastify plugin: the session manager's options (secret, name, cookie, ttl,
 * rolling, touchAfter, saveUninitialized, genid, store, clock), or an existing `manager`
 * to share with other apps or plugins (the plugin then leaves closing it to you).
 */
export type FastifySessionOptions =
  | (SessionManagerOptions & { manager?: undefined })
  | { manager: SessionManager };
