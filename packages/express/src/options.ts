import type { SessionManager, SessionManagerOptions } from '@fastmmap/session-core';

/**
 * The session manager's options (secret, name, cookie, ttl, absoluteTimeout, rolling,
 * touchAfter, tombstoneTtl, saveUninitialized, genid, store, clock), or an existing manager to
 * share. Unknown keys are refused with ERR_SESSION_OPTIONS, not ignored.
 */
export type ExpressSessionOptions = SessionManagerOptions | { manager: SessionManager };
