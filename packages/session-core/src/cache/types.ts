import type { PageSizeReason } from './sizing.js';

/** Milliseconds since the epoch, like `Date.now()`. Injected in tests so expiry needs no sleeps. */
export type Clock = () => number;

/** Turns values into bytes and back. Decoded values must never alias the input bytes. */
export interface Codec<V = unknown> {
  readonly name: string;
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
}

/** `cbor` (default, cbor-x without records), `json`, `raw` (Uint8Array/Buffer values) or your own. */
export type CodecOption = 'cbor' | 'json' | 'raw' | Codec;

export interface SetOptions {
  /** Time to live in ms from now; 0 = never expires. Default: the cache's `expireTime`. */
  ttl?: number;
}

/** What `onPressure` receives when live (unexpired) items are evicted faster than allowed. */
export interface PressureInfo {
  /** Unexpired items evicted during the window, in all processes sharing the file. */
  evictedUnexpired: number;
  /**
   * How long that window was, in ms: at least the interval (it closes at the first write after
   * the interval ends, which is also when onPressure is called).
   */
  intervalMs: number;
  /** The current size of the page area in bytes (`numPages * pageSize`). */
  cacheSize: number;
  /** The file's page size. */
  pageSize: number;
  /**
   * A `cacheSize` estimated to hold the evicted items too, with headroom (`suggestCacheSize`,
   * which the CLI's `stats` advice uses as well).
   */
  suggestedCacheSize: number;
  /**
   * The page size to use with it: the file's, or a larger one when a page holds too few items
   * to fill evenly (fewer than 32), or fewer than 8 of the largest record (see largestRecord).
   */
  suggestedPageSize: number;
  /** Which of those two took the page size past the file's; null when it is the file's. */
  pageSizeReason: PageSizeReason | null;
  /**
   * The largest record this process wrote, or found in the pages its reports have looked at
   * (the next 4 MiB of pages each time), in bytes (header, key and value): 0 if none.
   */
  largestRecord: number;
  path: string;
}

export interface PressureOptions {
  /** More unexpired evictions than this per interval triggers `onPressure`. Default 0. */
  maxEvictionsPerInterval?: number;
  /** Default 60_000 ms. Judged at the first write after each interval, never with a timer. */
  intervalMs?: number;
  /** Default: one `process.emitWarning` per interval. A throw becomes a process warning, not the write's. */
  onPressure?: (info: PressureInfo) => void;
}

export interface CacheOptions {
  /** Cache file path. Default: `defaultCachePath(appName)`, a private per-uid dir under os.tmpdir(). */
  path?: string;
  /** Names the default file. Default 'default'. */
  appName?: string;
  /** Bytes per page, a multiple of 4096. Default 65536. */
  pageSize?: number;
  /** Number of pages. Default 89. Give this or `cacheSize`, not both. */
  numPages?: number;
  /** Total size of the page area in bytes; numPages = ceil(cacheSize / pageSize). */
  cacheSize?: number;
  /** Default TTL in ms applied by `set` without `ttl`. 0 = never expires (the default). */
  expireTime?: number;
  codec?: CodecOption;
  /** File mode at creation. Default 0o600; 0o640 is allowed for a shared group. */
  mode?: number;
  /** Start empty: clears every page at open (under each page's lock; the file is never truncated). */
  initFile?: boolean;
  /** Take the page size and count from an existing file instead of failing on a mismatch. */
  adoptGeometry?: boolean;
  /** Open an existing file for inspection: no creation, writes throw ERR_FASTMMAP_READ_ONLY. */
  readOnly?: boolean;
  clock?: Clock;
  /** Longest wait for a page lock before ERR_FASTMMAP_LOCK_TIMEOUT. Default 5000 ms. */
  lockTimeout?: number;
  /**
   * Bytes of encoded cbor/json values whose decoded form this process keeps, so that reading
   * an unchanged record again copies the kept value instead of decoding (byte-compared with
   * the file on every read). 0 turns it off. Default 4 MiB.
   */
  decodeCache?: number;
  /** Number of page locks the pages are striped over. Default 16. */
  lockStripes?: number;
  /** Allow NFS/CIFS/FUSE/9p (flock and mmap coherence are not guaranteed there). Default false. */
  allowNetworkFilesystem?: boolean;
  pressure?: PressureOptions;
}

export interface PageStats {
  items: number;
  /** Bytes of live records in the page's data area. */
  bytesUsed: number;
  /** bytesUsed / data area capacity, 0..1. */
  fill: number;
  /**
   * The page's header is garbage: its counts read as 0 until a write starts it over. (verify()
   * also calls a page bad whose counts disagree with its slot table; stats() reads no slot
   * table, to stay cheap enough for every metrics scrape.)
   */
  damaged: boolean;
}

/** Counters are kept in the file: they cover every process that shares it. */
export interface CacheStats {
  path: string;
  formatVersion: number;
  pageSize: number;
  numPages: number;
  /** Total file size in bytes, header included. */
  fileSize: number;
  /** Creation time (ms since epoch) and id written in the header. */
  createdAt: number;
  creationId: string;
  /** The codec the file was created with (recorded in the header). */
  codec: string;
  /** Number of page locks the pages are striped over (part of the geometry). */
  lockStripes: number;
  /** Live records, expired ones not yet removed included. */
  items: number;
  bytesUsed: number;
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  /** Expired items removed by purge, by reads and by compaction. */
  expiredRemovals: number;
  /** All LRU evictions. */
  evictions: number;
  /** LRU evictions of items that had not expired yet: live data lost to lack of room. */
  evictionsUnexpired: number;
  /**
   * Pages repaired by a writer: found torn (a process died while writing them), with a garbage
   * header, or with records their slot table disagrees with.
   */
  repairedPages: number;
  /** Records dropped because their checksum or decoding failed. */
  droppedCorruptRecords: number;
  /**
   * Pages whose header is garbage right now (`verify()` counts them among its badPages, with the
   * pages whose counts disagree with their slot table, which stats() does not read). Their
   * counters are left out of every total above; the next write to one starts it over, empty
   * when its slot table cannot be trusted, and `purge()` repairs it at once.
   */
  damagedPages: number;
  pages: PageStats[];
}
