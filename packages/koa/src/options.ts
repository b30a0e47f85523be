import type { SessionManager, SessionManagerOptions } from '@fastmmap/session-core';

/**
 * The session manager's options (secret, name, cookie, ttl, absoluteTimeout, rolling,
 * touchAfter, tombstoneTtl, saveUninitialized, genid, store, clock), or an existing manager to
 * share. Unknown keys are refused with ERR_SESSION_OPTIONS, not ignored.
 */
// `manager?: undefined` makes `manager` tell the two apart, so `{ manager, secret }` is a
// compile error (excess property), as it is an ERR_SESSION_OPTIONS at run time.
export type KoaSessionOptions =
  | (SessionManagerOptions & { manager?: undefined })
  | { manager: SessionManager };
