/// <reference types="node" preserve="true" />
/**
 * `@fastmmap/session-core/adapter`: what this project's adapter and store packages share.
 * Not a stable app API (it may change in any minor release): apps and Store authors import
 * from `@fastmmap/session-core`.
 */
// For adapter and store packages, not a stable app API: refuse options nothing reads.
export { assertKnownOptions, pickOptions } from './known-options.js';
// For adapter packages, not a stable app API: responses that cannot carry the cookie (yet).
export {
  commitWithoutCookies,
  lifetimeSetHere,
  markCookieless,
  refreshOnly,
  unconfirmedRefresh,
} from './manager/adapter-cookie-plan.js';
// For adapter packages, not a stable app API: the manager from their options (shared or own).
export { type AdapterManager, adapterManager, cookieNameOf } from './manager/adapter-manager.js';
// For adapter packages, not a stable app API: connect-flash's flash() over a session's messages.
export { connectFlash } from './manager/connect-flash.js';
// For adapter packages, not a stable app API: responses that cannot carry a cookie.
export { commitCookieless, isWebSocketUpgrade } from './manager/cookieless-commit.js';
// For adapter packages, not a stable app API: the session with their framework's session API.
export { getSetMembers } from './manager/get-set-members.js';
export { type SessionGuardOptions, sessionGuard } from './manager/guarded-session.js';
// For adapter packages, not a stable app API: node-style callbacks over the session's promises.
export { type NodeCallback, settleWithCallback } from './manager/node-callback.js';
// For adapter packages, not a stable app API: the planned cookies, none for unstorable data.
export { plannedCookies } from './manager/planned-cookies.js';
// For adapter packages, not a stable app API: commit in the call, report a failed commit once.
export { isRepeatedDataRefusal } from './manager/repeated-refusal.js';
// For adapter packages, not a stable app API: commit in the call; whether the id is stored.
export { commitNow, idStored } from './manager/session.js';
// For adapter packages, not a stable app API: assigning anything but null to the session.
export { assignmentDestroys } from './manager/session-assignment.js';
// For adapter packages, not a stable app API: no refresh cookie on a shared-cacheable response.
export { commitForCache, sharedCacheable } from './manager/shared-cache.js';
// For adapter packages, not a stable app API: a stream body failing while the commit waits.
export { guardStreamBody } from './manager/stream-body-errors.js';
// For adapter packages, not a stable app API: headers sent before the commit (streams, writes).
export {
  headersSentError,
  setCookieValues,
  type UnsentOutcome,
  unreachableAfterHeaders,
  unsentCookieNames,
} from './manager/unsent-cookies.js';
// For store packages over the cache (drop-in stores), not a stable app API: errors, the cache.
export { mapCacheError, sessionStoreError } from './store/cache-errors.js';
export { openJsonCache } from './store/open-json-cache.js';
