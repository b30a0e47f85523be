import type { CacheStats } from '../cache/types.js';

/** One metric family drawn from `CacheStats`; the renderer adds the prefix. */
export interface FamilyDefinition {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly value: (stats: CacheStats) => number;
}

/** Pages all have the same data capacity, so the mean of their fills is the file's fill. */
function meanFill(stats: CacheStats): number {
  if (stats.pages.length === 0) return 0;
  let sum = 0;
  for (const page of stats.pages) sum += page.fill;
  return sum / stats.pages.length;
}

function maxFill(stats: CacheStats): number {
  let max = 0;
  for (const page of stats.pages) max = Math.max(max, page.fill);
  return max;
}

// Counters live in the file, so they add up every process that shares it and only reset
// when the file is created anew: that is exactly a Prometheus counter.
export const cacheFamilies: readonly FamilyDefinition[] = [
  {
    name: 'hits_total',
    type: 'counter',
    help: 'Reads that found a live item, in all processes sharing the cache file.',
    value: (s) => s.hits,
  },
  {
    name: 'misses_total',
    type: 'counter',
    help: 'Reads that found no live item, in all processes sharing the cache file.',
    value: (s) => s.misses,
  },
  {
    name: 'sets_total',
    type: 'counter',
    help: 'Items written.',
    value: (s) => s.sets,
  },
  {
    name: 'deletes_total',
    type: 'counter',
    help: 'Items deleted explicitly.',
    value: (s) => s.deletes,
  },
  {
    name: 'expired_removals_total',
    type: 'counter',
    help: 'Expired items removed by purge, by reads and by compaction.',
    value: (s) => s.expiredRemovals,
  },
  {
    name: 'evictions_total',
    type: 'counter',
    help: 'Items evicted (least recently used) to make room in a full page.',
    value: (s) => s.evictions,
  },
  {
    name: 'evictions_unexpired_total',
    type: 'counter',
    help: 'Evicted items that had not expired yet: live data lost for lack of room. Raise cacheSize if this grows.',
    value: (s) => s.evictionsUnexpired,
  },
  {
    name: 'repaired_pages_total',
    type: 'counter',
    help: 'Pages repaired: torn by a process killed mid-write, or with a damaged header or records.',
    value: (s) => s.repairedPages,
  },
  {
    name: 'dropped_corrupt_records_total',
    type: 'counter',
    help: 'Records dropped because their checksum or decoding failed.',
    value: (s) => s.droppedCorruptRecords,
  },
  {
    name: 'damaged_pages',
    type: 'gauge',
    help: 'Pages whose header is garbage now, left out of the other figures; the next write to one starts it over.',
    value: (s) => s.damagedPages,
  },
  {
    name: 'items',
    type: 'gauge',
    help: 'Items stored in the cache file, counting expired ones not removed yet and the markers destroyed sessions leave for tombstoneTtl: not a count of live sessions.',
    value: (s) => s.items,
  },
  {
    name: 'used_bytes',
    type: 'gauge',
    help: 'Bytes of live records in the page data areas.',
    value: (s) => s.bytesUsed,
  },
  {
    name: 'fill_ratio',
    type: 'gauge',
    help: 'Mean fill of the page data areas, 0 to 1.',
    value: meanFill,
  },
  {
    name: 'page_fill_max_ratio',
    type: 'gauge',
    help: 'Fill of the fullest page, 0 to 1: eviction happens per page, so this rises first.',
    value: maxFill,
  },
  {
    name: 'pages',
    type: 'gauge',
    help: 'Number of pages in the cache file.',
    value: (s) => s.numPages,
  },
  {
    name: 'page_size_bytes',
    type: 'gauge',
    help: 'Size of one page in bytes.',
    value: (s) => s.pageSize,
  },
  {
    name: 'file_size_bytes',
    type: 'gauge',
    help: 'Size of the cache file in bytes, header included.',
    value: (s) => s.fileSize,
  },
  {
    name: 'created_timestamp_seconds',
    type: 'gauge',
    help: 'When the cache file was created, in seconds since the epoch; a change means the counters restarted.',
    value: (s) => s.createdAt / 1000,
  },
];

/** An info metric (always 1) that carries the file's identity as labels. */
export const infoFamily = {
  name: 'cache_info',
  help: 'Identity of the cache file: path, format version, codec and creation id. Always 1.',
  labels: (s: CacheStats): Array<[string, string]> => [
    ['path', s.path],
    ['format_version', String(s.formatVersion)],
    ['codec', s.codec],
    ['creation_id', s.creationId],
  ],
} as const;
