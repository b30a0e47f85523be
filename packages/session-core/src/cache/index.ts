/// <reference types="node" preserve="true" />
/**
 * `@fastmmap/session-core/cache`: a synchronous, Map-like cache in a memory-mapped file that
 * every process on the machine shares. Format, semantics and options: docs/cache.md.
 */
export { type CacheEntry, FastMmapCache } from './cache.js';
export type { VerifyReport } from './cache-report.js';
// For tools that make files beside a cache (the CLI's copy): clean up after killed runs.
export { removeDeadProcessesFiles } from './dead-process-files.js';
export { FastMmapError, type FastMmapErrorCode, isFastMmapError } from './errors.js';
// For tools that watch a cache file (the CLI): has its path been deleted or replaced?
export { type FileIdentity, type PathState, pathState } from './file-identity.js';
// For the CLI's copy --salvage: a copy of a file whose header checksum alone is wrong.
export { resealHeader } from './header.js';
export type { HeldLock } from './held-locks.js';
// For tools sizing a file from its items (the CLI's stats): the bytes one record takes.
export { recordSize } from './layout.js';
export { CACHE_OPTION_KEYS } from './options.js';
export { defaultCacheDir, defaultCachePath } from './paths.js';
// One sizing computation for the pressure warning and the CLI's advice.
export {
  type CacheSizeSuggestion,
  type PageSizeReason,
  RECORDS_PER_PAGE,
  type SizingFacts,
  suggestCacheSize,
} from './sizing.js';
export type {
  CacheOptions,
  CacheStats,
  Clock,
  Codec,
  CodecOption,
  PageStats,
  PressureInfo,
  PressureOptions,
  SetOptions,
} from './types.js';
