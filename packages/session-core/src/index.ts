/// <reference types="node" preserve="true" />
// Helpers only the adapter and store packages use are in `@fastmmap/session-core/adapter`.
export type { Clock } from './cache/types.js';
export { isSessionError, SessionError, type SessionErrorCode } from './errors.js';
export { commitWithoutCookie } from './manager/cookieless-commit.js';
export {
  type FailedOperation,
  type SessionFailureCount,
  sessionFailures,
} from './manager/failures.js';
export { createSessionManager } from './manager/manager.js';
export type { SessionCookie } from './manager/session-cookie.js';
export type {
  CookieOptions,
  RequestInfo,
  Session,
  SessionManager,
  SessionManagerOptions,
} from './manager/types.js';
export {
  type LabeledMetricsSource,
  type MetricsSource,
  prometheusContentType,
  type RenderPrometheusOptions,
  renderPrometheus,
} from './metrics/index.js';
export { FastMmapStore, type FastMmapStoreOptions } from './store/fastmmap-store.js';
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js';
export { type SweeperOptions, startSweeper } from './store/sweeper.js';
// For Store authors whose work is synchronous: async get/getAndSet and Store.sync from the sync pair.
export { SyncBackedStore } from './store/sync-access.js';
export type { SessionData, Store, StoredData, SyncStoreAccess } from './store/types.js';
// For Store authors: the checks every store applies, so all of them fail the same way.
export { assertSupportedData, assertValidId, assertValidTtl } from './store/validate.js';
