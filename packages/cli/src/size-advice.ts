import type { CacheSizeSuggestion, CacheStats } from '@fastmmap/session-core/cache';

/** The size that would have kept the evicted items too, or null when none was evicted. */
export type SizeAdvisor = (stats: CacheStats, expiredItems?: number) => CacheSizeSuggestion | null;

/**
 * The cache's own sizing computation (the one behind its pressure warning), so that the CLI's
 * advice and the app's warning agree. Loaded on first use, as the cache module is.
 */
export async function loadSizeAdvisor(): Promise<SizeAdvisor> {
  const { suggestCacheSize } = await import('@fastmmap/session-core/cache');
  return (stats, expiredItems = 0) =>
    stats.evictionsUnexpired === 0
      ? null
      : suggestCacheSize({
          pageSize: stats.pageSize,
          numPages: stats.numPages,
          lockStripes: stats.lockStripes,
          items: stats.items,
          bytesUsed: stats.bytesUsed,
          // Expired items need no room: apps remove them when they need it.
          liveItems: stats.items - expiredItems,
          evictedUnexpired: stats.evictionsUnexpired,
        });
}
