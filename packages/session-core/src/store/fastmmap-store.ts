import { resolve } from 'node:path';
import { checkedCborCodec } from '../cache/codec.js';
import { defaultCachePath, FastMmapCache } from '../cache/index.js';
import type { CacheOptions, Clock } from '../cache/types.js';
import { SessionError } from '../errors.js';
import { assertKnownOptions } from '../known-options.js';
import { sessionStoreError } from './cache-errors.js';
import { openFailure } from './open-failure.js';
import { SyncBackedStore } from './sync-access.js';
import type { Store, StoredData } from './types.js';
import {
  assertPlainObjectData,
  assertSupportedData,
  assertValidId,
  assertValidTtl,
  isPlainObject,
} from './validate.js';

export interface FastMmapStoreOptions {
  /** Cache file path (Catalyst's `storage`). Default: `defaultCachePath(appName)`. */
  storage?: string | undefined;
  /** Names the default file. Default 'sessions'. */
  appName?: string | undefined;
  /**
   * Default session lifetime in ms (Catalyst's `expires`, which was in seconds): used for
   * writes that come without a ttl of their own, e.g. from framework stores. Default one day.
   */
  expires?: number | undefined;
  /** Total size of the page area in bytes. Give this or `numPages`. Default 512 pages (32 MiB). */
  cacheSize?: number | undefined;
  /** Bytes per page, a multiple of 4096. Default 65536: also the largest session it can hold. */
  pageSize?: number | undefined;
  numPages?: number | undefined;
  /** Start empty: clear every page at open. Default false (sessions survive restarts). */
  initFile?: boolean | undefined;
  /** File mode at creation. Default 0o600. */
  mode?: number | undefined;
  /** Injected time source (ms). Default `Date.now`. */
  clock?: Clock | undefined;
  /** Longest wait for a page lock before ERR_SESSION_STORE_UNAVAILABLE. Default 5000 ms. */
  lockTimeout?: number | undefined;
  /**
   * Bytes of sessions this process keeps decoded, so one read again unchanged costs a copy
   * instead of a decode (the cache's `decodeCache`). 0 turns it off. Default 4 MiB.
   */
  decodeCache?: number | undefined;
  /** An already-open cache to keep sessions in (under `sess:` keys). The store does not close it. */
  cache?: FastMmapCache | undefined;
}

const KEY_PREFIX = 'sess:';

const OPTION_KEYS = Object.keys({
  storage: 0,
  appName: 0,
  expires: 0,
  cacheSize: 0,
  pageSize: 0,
  numPages: 0,
  initFile: 0,
  mode: 0,
  clock: 0,
  lockTimeout: 0,
  decodeCache: 0,
  cache: 0,
} satisfies Record<keyof FastMmapStoreOptions, 0>);

// The cache's names, the drop-in stores' and Cache::FastMmap's, with what to write instead.
const OPTION_HINTS = new Map<string, string>([
  [
    'path',
    'use storage (the cache file; ExpressSessionStore, KoaSessionStore and FastMmapCache call it path)',
  ],
  ['share_file', 'use storage'],
  ['expireTime', 'use expires (ms)'],
  ['ttl', "use expires (ms), or the session manager's ttl"],
  ['expire_time', "use expires (ms; Catalyst's was in seconds)"],
  ['cache_size', 'use cacheSize (bytes)'],
  ['page_size', 'use pageSize (bytes)'],
  ['num_pages', 'use numPages'],
  ['init_file', 'use initFile'],
]);

// The codec's check for what its fast encoder leaves to cbor-x. Sessions are plain objects
// (store() and getAndSet check that first); other values put through `store.cache` directly
// are left as the cache takes them.
function checkSessionData(value: unknown): void {
  if (isPlainObject(value)) assertSupportedData(value);
}
const DEFAULT_NUM_PAGES = 512;
/** Pages deleteExpired() purges between two yields to the event loop (2 MiB of 64 KiB pages). */
const PURGE_BATCH = 32;

/**
 * Sessions in a memory-mapped file that every process on the machine shares. Each session is
 * one cache record, `sess:<id>`, holding the data and its absolute expiry together, so the
 * two cannot be evicted apart. getAndSet holds the page lock across read and write: atomic
 * across processes.
 */
export class FastMmapStore<D extends object = StoredData>
  extends SyncBackedStore<D>
  implements Store<D>
{
  /** The cache underneath: for stats() and inspection. */
  readonly cache: FastMmapCache;
  /** Default lifetime in ms, for callers that have none. */
  readonly expires: number;
  readonly #ownsCache: boolean;
  /**
   * What a write checks before the cache encodes: everything, or (when this store opened the
   * cache with a codec that checks what its fast encoder refuses) only the top level.
   */
  readonly #check: (data: unknown) => void;
  #closed = false;
  /** The running getAndSet's callback, read by #update (one closure for all calls, not two per call). */
  #updateFn: ((current: D | undefined) => D | undefined) | undefined;
  readonly #update = (current: unknown): D | undefined => {
    const next = this.#updateFn!(current as D | undefined);
    if (next !== undefined) this.#check(next);
    return next;
  };
  /** The last id given and its cache key (see #key). */
  #lastId: string | undefined;
  #lastKey = '';
  /** Reused set options (the cache reads `ttl` synchronously and keeps nothing). */
  readonly #ttl = { ttl: 0 };

  constructor(options: FastMmapStoreOptions = {}) {
    super();
    assertKnownOptions(options, OPTION_KEYS, OPTION_HINTS, 'FastMmapStore');
    this.expires = options.expires ?? 86_400_000;
    assertOption(
      Number.isFinite(this.expires) && this.expires > 0,
      'expires must be a number of ms > 0',
    );
    if (options.cache !== undefined) {
      // By shape: a FastMmapCache of another copy of this package is one too.
      const cache = options.cache as Partial<FastMmapCache> | null;
      assertOption(
        typeof cache?.get === 'function' && typeof cache.getAndSet === 'function',
        'cache must be a FastMmapCache (from FastMmapCache.open())',
      );
      this.cache = options.cache;
      this.#ownsCache = false;
      this.#check = assertSupportedData;
      return;
    }
    const appName = options.appName ?? 'sessions';
    const defaultPath = defaultCachePathFor(appName); // validates the name early, as a SessionError
    // For the message if the open fails: absolute, as the cache resolves it (an invalid
    // storage is echoed as given).
    const path = storagePath(options.storage) ?? defaultPath;
    const cacheOptions: CacheOptions = {
      // No path: the cache itself picks the default one and creates its private 0700 dir.
      ...(options.storage !== undefined ? { path: options.storage } : { appName }),
      // A session the fast encoder takes is of a supported shape: its walk is the check, and
      // the full one runs only for the rest (~0.7 µs less per write of a 1 KiB session).
      codec: checkedCborCodec(checkSessionData),
      expireTime: this.expires,
      pageSize: options.pageSize,
      initFile: options.initFile,
      mode: options.mode,
      clock: options.clock,
      lockTimeout: options.lockTimeout,
    };
    if (options.decodeCache !== undefined) cacheOptions.decodeCache = options.decodeCache;
    // Both given is the cache's ERR_FASTMMAP_INVALID_OPTION (mapped below), not a silent pick.
    if (options.cacheSize !== undefined) cacheOptions.cacheSize = options.cacheSize;
    if (options.numPages !== undefined || options.cacheSize === undefined) {
      cacheOptions.numPages = options.numPages ?? DEFAULT_NUM_PAGES;
    }
    try {
      this.cache = FastMmapCache.open(cacheOptions);
    } catch (err) {
      throw openFailure(err, path, options.storage === undefined);
    }
    this.#ownsCache = true;
    this.#check = assertPlainObjectData;
  }

  /** The cache file's path. */
  get path(): string {
    return this.cache.path;
  }

  /** get(), answered in the call: failures are thrown. */
  getSync(id: string): D | undefined {
    const key = this.#key(id);
    try {
      return this.cache.get(key) as D | undefined;
    } catch (err) {
      throw sessionStoreError(err, 'read a session', key, KEY_PREFIX.length);
    }
  }

  async store(id: string, data: D, ttlMs: number): Promise<void> {
    const key = this.#key(id);
    assertValidTtl(ttlMs);
    this.#check(data);
    this.#call('store a session', () => this.cache.set(key, data, { ttl: Math.ceil(ttlMs) }), key);
  }

  async delete(id: string): Promise<void> {
    const key = this.#key(id);
    this.#call('delete a session', () => this.cache.delete(key), key);
  }

  /**
   * Purges every expired record of the cache file (sessions and anything else in it), and
   * repairs what verify() would report. PURGE_BATCH pages at a time, yielding to the event loop
   * between batches: one pass over a 32 MiB file took ~50 ms of a loaded worker's event loop, a
   * 512 MiB one ~100 ms idle (before the repair check, which adds ~10-100 ms per 32 MiB).
   */
  async deleteExpired(): Promise<number> {
    this.#assertOpen();
    let removed = 0;
    for (let from = 0; from < this.cache.numPages; from += PURGE_BATCH) {
      if (from > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.#closed) break; // closed meanwhile: what was purged stays purged
      }
      removed += this.#call('purge expired sessions', () =>
        this.cache.purgePages(from, PURGE_BATCH),
      );
    }
    return removed;
  }

  /** getAndSet(), answered in the call: failures (fn's own too) are thrown. */
  getAndSetSync(
    id: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
  ): D | undefined {
    const key = this.#key(id);
    assertValidTtl(ttlMs);
    if (typeof fn !== 'function') throw new TypeError('getAndSet needs a function');
    // A nested call (refused by the cache as re-entrant) may overwrite #updateFn: #update has
    // read it before running the callback.
    this.#updateFn = fn;
    const options = this.#ttl;
    options.ttl = Math.ceil(ttlMs);
    try {
      return this.cache.getAndSet(key, this.#update, options) as D | undefined;
    } catch (err) {
      throw sessionStoreError(err, 'update a session', key, KEY_PREFIX.length);
    } finally {
      this.#updateFn = undefined;
    }
  }

  async touch(id: string, ttlMs: number): Promise<boolean> {
    const key = this.#key(id);
    assertValidTtl(ttlMs);
    return this.#call(
      'touch a session',
      () => this.cache.touch(key, { ttl: Math.ceil(ttlMs) }),
      key,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsCache) this.cache.close();
  }

  #key(id: string): string {
    this.#assertOpen();
    // A request reads its session, then commits it: the commit passes the very key string the
    // read did, which the cache recognises without hashing it again.
    if (id === this.#lastId) return this.#lastKey;
    assertValidId(id);
    const key = KEY_PREFIX + id;
    this.#lastId = id;
    this.#lastKey = key;
    return key;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new SessionError('ERR_SESSION_STORE_UNAVAILABLE', 'the FastMmapStore is closed');
    }
  }

  #call<T>(action: string, run: () => T, key?: string): T {
    try {
      return run();
    } catch (err) {
      throw sessionStoreError(err, action, key, KEY_PREFIX.length);
    }
  }
}

function assertOption(ok: boolean, message: string): void {
  if (!ok) throw new SessionError('ERR_SESSION_OPTIONS', `FastMmapStore: ${message}`);
}

function defaultCachePathFor(appName: string): string {
  try {
    return defaultCachePath(appName);
  } catch (cause) {
    throw new SessionError('ERR_SESSION_OPTIONS', `FastMmapStore: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** The file a `storage` names, as the cache resolves it; one it refuses, as given. */
function storagePath(storage: unknown): string | undefined {
  if (storage === undefined) return undefined;
  return typeof storage === 'string' && storage.length > 0 ? resolve(storage) : String(storage);
}
