import type { SessionManager, SessionManagerOptions } from '@fastmmap/session-core';

/**
 * The session manager's options (secret, name, cookie, ttl, rolling, touchAfter,
 * saveUninitialized, genid, store, clock), or an existing manager to share.
 */
export type ExpressSessionOptions = SessionManagerOptions | { manager: SessionManager };
