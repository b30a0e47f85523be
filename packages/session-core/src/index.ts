/// <reference types="node" preserve="true" />
export type { Clock } from './cache/types.js';
export { isSessionError, SessionError, type SessionErrorCode } from './errors.js';
// For stores and adapters: refuse options nothing reads, as the manager does.
export { assertKnownOptions, pickOptions } from './known-options.js';
// For adapters: the manager from their options (a shared one, or a new one they own).
export { type AdapterManager, adapterManager, cookieNameOf } from './manager/adapter-manager.js';
// For adapters: connect-flash's req.flash()/ctx.flash() over a session's flash messages.
export { connectFlash } from './manager/connect-flash.js';
// For adapters: the session as the app sees it, with their framework's session API on it.
export { getSetMembers } from './manager/get-set-members.js';
export { type SessionGuardOptions, sessionGuard } from './manager/guarded-session.js';
export { createSessionManager } from './manager/manager.js';
// For adapters whose framework's session methods take node-style callbacks.
export { type NodeCallback, settleWithCallback } from './manager/node-callback.js';
export { isRepeatedDataRefusal } from './manager/repeated-refusal.js';
export { commitNow } from './manager/session.js';
export type { SessionCookie } from './manager/session-cookie.js';
export type {
  CookieOptions,
  RequestInfo,
  Session,
  SessionManager,
  SessionManagerOptions,
} from './manager/types.js';
// For adapters whose response can send its headers before the commit (streams, raw writes).
export {
  headersSentError,
  unreachableAfterHeaders,
  unsentCookieNames,
} from './manager/unsent-cookies.js';
export {
  type LabeledMetricsSource,
  type MetricsSource,
  prometheusContentType,
  type RenderPrometheusOptions,
  renderPrometheus,
} from './metrics/index.js';
// For stores over the cache (the drop-in stores): its errors as SessionErrors, ids cut short.
export { mapCacheError, sessionStoreError } from './store/cache-errors.js';
export { FastMmapStore, type FastMmapStoreOptions } from './store/fastmmap-store.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js';
export { openJsonCache } from './store/open-json-cache.js';
export { type SweeperOptions, startSweeper } from './store/sweeper.js';
// For Store authors whose work is synchronous: async get/getAndSet and Store.sync from the sync pair.
export { SyncBackedStore } from './store/sync-access.js';
export type { SessionData, Store, StoredData, SyncStoreAccess } from './store/types.js';
// For Store authors: the checks every store applies, so all of them fail the same way.
export { assertSupportedData, assertValidId, assertValidTtl } from './store/validate.js';
