import type { CacheSizeSuggestion, CacheStats } from '@fastmmap/session-core/cache';
import type { ItemCensus } from './item-census.js';

/**
 * The size that would have kept the evicted items too, or null when none was evicted. Without
 * a census (`watch`, which does not read every item) expired items count as live and the
 * largest record is unknown.
 */
export type SizeAdvisor = (
  stats: CacheStats,
  census?: Pick<ItemCensus, 'expired' | 'largestRecord'>,
) => CacheSizeSuggestion | null;

/**
 * The cache's own sizing computation (the one behind its pressure warning), so that the CLI's
 * advice and the app's warning agree. Loaded on first use, as the cache module is.
 */
export async function loadSizeAdvisor(): Promise<SizeAdvisor> {
  const { suggestCacheSize } = await import('@fastmmap/session-core/cache');
  return (stats, census) =>
    stats.evictionsUnexpired === 0
      ? null
      : suggestCacheSize({
          pageSize: stats.pageSize,
          numPages: stats.numPages,
          lockStripes: stats.lockStripes,
          items: stats.items,
          bytesUsed: stats.bytesUsed,
          // Expired items need no room: apps remove them when they need it.
          liveItems: stats.items - (census?.expired ?? 0),
          evictedUnexpired: stats.evictionsUnexpired,
          largestRecord: census?.largestRecord,
        });
}
