import { isMainThread } from 'node:worker_threads';
import { isThenable } from '../thenable.js';
import { cacheStats, sumCounter, type VerifyReport, verifyReport } from './cache-report.js';
import { type RangeDecode, rangeDecoderOf, resolveCodec } from './codec.js';
import { copiedRecordOk } from './copied-record.js';
import { DecodedMemo } from './decoded-memo.js';
import { codecMismatch, decodeError, FastMmapError, invalidKey } from './errors.js';
import { openCacheFile } from './file.js';
import { FileUpkeep } from './file-upkeep.js';
import { asciiKeyHash, KEY_HASH_SEED, murmur3 } from './hash.js';
import type { FileHeader } from './header.js';
import { type HeldLock, readHeldLocks } from './held-locks.js';
import { slotCountsDisagree } from './hidden-record.js';
import { LargestRecord } from './largest-record.js';
import {
  MAX_KEY_BYTES,
  maxRecordSize,
  P_DELETES,
  P_DROPPED,
  P_EXPIRED,
  RECORD_HEADER_SIZE,
  recordSize,
} from './layout.js';
import { StripeLocks } from './locks.js';
import { loadFsExt, loadMmapIo, loadRobustMutex } from './native-addons.js';
import { checkedNow, resolveOptions, validTtl } from './options.js';
import { checkPage } from './page-check.js';
import { type ScannedEntry, scanPage } from './page-scan.js';
import { BROKEN, NOT_FOUND, PageStore } from './page-store.js';
import { findPastBrokenSlot } from './past-broken-slot.js';
import { PressureMonitor } from './pressure.js';
import { unsupportedRuntime, unsupportedRuntimeError } from './runtime.js';
import { type DeadWrites, readStablePage } from './stable-page.js';
import { recheckTornPages } from './torn-recheck.js';
import type { CacheOptions, CacheStats, Clock, Codec, SetOptions } from './types.js';
import { copyOut } from './value-copy.js';

/** One entry with its timing metadata, as `getEntry` returns it. */
export interface CacheEntry<V> {
  value: V;
  /** Absolute expiry, ms since the epoch; 0 = never. */
  expiresAt: number;
  /** Last write or read, ms since the epoch (second resolution). */
  lastAccess: number;
}

/**
 * True while this thread holds a page lock (module-level: it covers every instance in the
 * thread). A cache call made then, from a getAndSet callback or a codec, would wait for its own
 * lock, so it is refused instead.
 */
let lockHeld = false;

/** Sub-millisecond reads from the same record retry this often before taking the lock. */
const SEQLOCK_TRIES = 4;

/** No key is prepared in the key buffer (a value no caller can pass). */
const NO_KEY: unique symbol = Symbol('no key');

/** A read found nothing (distinct from a stored value). */
const MISS: unique symbol = Symbol('miss');

type Utf8Writer = Buffer & { utf8Write(text: string, offset: number): number };

/**
 * A cache in a memory-mapped file shared by every process on the machine that opens the same
 * path. Synchronous and Map-like; see docs/cache.md for the file format and every semantic.
 */
export class FastMmapCache<V = unknown> {
  /** Opens (creating if missing, unless readOnly) the cache file described by `options`. */
  static open<V = unknown>(options: CacheOptions = {}): FastMmapCache<V> {
    // Before any addon is loaded: on Bun, a build of fs-ext can end the process at load.
    const runtime = unsupportedRuntime();
    if (runtime !== undefined) throw unsupportedRuntimeError(runtime);
    if (!isMainThread) {
      // fs-ext (our flock) keeps V8 handles in static variables: loading it in a second
      // isolate crashes the whole process, so worker threads are refused up front.
      throw new FastMmapError(
        'ERR_FASTMMAP_WORKER_THREAD',
        'FastMmapCache.open() works on the main thread only: fs-ext, which provides flock, crashes the process when loaded in a worker thread. Open the cache in the main thread of each process (cluster workers and separate processes are fine)',
      );
    }
    // Every native addon before any file is touched: a missing build fails here, cleanly.
    loadMmapIo();
    loadFsExt();
    loadRobustMutex();
    return new FastMmapCache<V>(options);
  }

  readonly path: string;
  readonly readOnly: boolean;
  private readonly header: FileHeader;
  private readonly store: PageStore;
  private readonly locks: StripeLocks;
  private readonly codec: Codec;
  /**
   * cbor/json decoders copy what they keep, so they may decode straight from the mapping: how
   * they decode a range of it. Undefined for raw and custom codecs (they get private copies).
   */
  private readonly decodeRange: RangeDecode | undefined;
  /** Decoded values of unchanged records, for the lock-free read (cbor/json only). */
  private readonly memo: DecodedMemo | undefined;
  private readonly clock: Clock;
  private readonly expireTime: number;
  private readonly maxRecord: number;
  /** For the pressure warning's page size advice (see LargestRecord). */
  private readonly largestRecord = new LargestRecord();
  /** How many pages the file has (for purgePages batches). */
  readonly numPages: number;
  private readonly stripes: number;
  private readonly pressure: PressureMonitor;
  private readonly lockTimeout: number;
  private closed = false;
  /** A writer's periodic care of its files (undefined when readOnly: it never writes). */
  private readonly upkeep: FileUpkeep | undefined;
  /** The last key's UTF-8 bytes, length, hash and page (reused while the key repeats). */
  private readonly keyBuf: Utf8Writer = Buffer.alloc(MAX_KEY_BYTES * 3) as Utf8Writer;
  private readonly keyWords = new Uint32Array(
    this.keyBuf.buffer,
    this.keyBuf.byteOffset,
    (MAX_KEY_BYTES * 3) >>> 2,
  );
  private kKey: unknown = NO_KEY;
  /** Length and last UTF-16 unit of kKey: a cheap filter before comparing whole keys. */
  private kChars = 0;
  private kLast = 0;
  private kLen = 0;
  private kHash = 0;
  private kPage = 0;
  /** Metadata of the entry the last successful read returned (for getEntry). */
  private readExpiresAt = 0;
  private readLastAccess = 0;
  /** Pages a dead writer left torn, as this reader without locks judged them (readStablePage). */
  private readonly deadWrites: DeadWrites = new Map();

  private constructor(options: CacheOptions) {
    const o = resolveOptions(options);
    const codecGiven = options.codec !== undefined;
    let codec = resolveCodec(options.codec);
    const opened = openCacheFile({
      path: o.path,
      geometry: o.geometry,
      explicit: o.explicit,
      cacheSize: o.cacheSize,
      adoptGeometry: o.adoptGeometry,
      readOnly: o.readOnly,
      mode: o.mode,
      codecName: codec.name,
      allowNetworkFilesystem: o.allowNetworkFilesystem,
      defaultDir: o.defaultDir,
    });
    const h = opened.header;
    if (h.codec !== codec.name) {
      if (!codecGiven && (h.codec === 'json' || h.codec === 'raw' || h.codec === 'cbor')) {
        codec = resolveCodec(h.codec);
      } else if (!o.readOnly) {
        throw codecMismatch(o.path, h.codec, codec.name);
      } else if (!codecGiven) {
        codec = resolveCodec('raw'); // inspecting a file of an unknown custom codec: bytes
      }
    }
    this.path = o.path;
    this.readOnly = o.readOnly;
    this.header = h;
    this.codec = codec;
    this.decodeRange = rangeDecoderOf(codec);
    this.memo =
      this.decodeRange !== undefined && o.decodeCache > 0
        ? new DecodedMemo(o.decodeCache)
        : undefined;
    this.clock = o.clock;
    this.expireTime = o.expireTime;
    this.numPages = h.numPages;
    this.stripes = h.stripes;
    this.maxRecord = maxRecordSize(h.pageSize);
    const store = new PageStore(opened.map, h.pageSize, h.numPages, h.stripes);
    this.store = store;
    this.locks = new StripeLocks(o.path, opened.map, h.stripes, o.readOnly, o.lockTimeout);
    this.lockTimeout = o.lockTimeout;
    try {
      this.pressure = new PressureMonitor(options.pressure, o.path, {
        evictionsUnexpired: () => sumCounter(store, h.numPages, (c) => c.evictionsUnexpired),
        usage: () => ({
          pageSize: h.pageSize,
          numPages: h.numPages,
          lockStripes: h.stripes,
          items: sumCounter(store, h.numPages, (c) => c.items),
          bytesUsed: sumCounter(store, h.numPages, (c) => c.bytesUsed),
          largestRecord: this.largestRecord.look(store, h.numPages),
        }),
      });
      if (o.initFile) this.clear();
      this.upkeep = o.readOnly
        ? undefined
        : new FileUpkeep(o.path, opened.identity, checkedNow(o.clock()));
    } catch (err) {
      // A failed open keeps no lock on the cache file (or its directory).
      this.locks.close();
      throw err;
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  get(key: string): V | undefined {
    this.enter();
    const now = this.now();
    this.prepareKey(key);
    const value = this.read(key, true, true, now);
    return value === MISS ? undefined : value;
  }

  getEntry(key: string): CacheEntry<V> | undefined {
    this.enter();
    const now = this.now();
    this.prepareKey(key);
    const value = this.read(key, true, true, now);
    if (value === MISS || value === undefined) return undefined;
    return { value, expiresAt: this.readExpiresAt, lastAccess: this.readLastAccess * 1000 };
  }

  /** Whether a live, unexpired entry exists. Counts no hit or miss and does not refresh LRU. */
  has(key: string): boolean {
    this.enter();
    const now = this.now();
    this.prepareKey(key);
    return this.read(key, false, false, now) !== MISS;
  }

  // ---- writes --------------------------------------------------------------------------------

  set(key: string, value: V, options?: SetOptions): void {
    this.enterWrite();
    // The clock and the options first: the cbor codec's bytes live in a reused buffer until
    // put copies them, so no caller code (an injected clock, a ttl getter) may run in between.
    // Encode before the key: a custom codec may use the cache, which reuses the key buffer.
    const now = this.now();
    const expiresAt = this.expiryOf(options, now);
    const bytes = this.encode(value);
    this.prepareKey(key);
    this.checkSize(key, bytes.length);
    const page = this.kPage;
    const store = this.store;
    const base = store.base(page);
    this.lock(page);
    try {
      store.ensurePage(page, now);
      this.putLocked(base, page, bytes, expiresAt, now);
    } finally {
      this.unlock(page);
    }
    this.afterWrite(now);
  }

  /** Writes the prepared key's record; the page lock is held and the page is checked. */
  private putLocked(
    base: number,
    page: number,
    bytes: Uint8Array,
    expiresAt: number,
    now: number,
  ): void {
    const store = this.store;
    const found = this.findForWrite(base, page, now);
    store.beginWrite(base);
    store.put(
      page,
      found,
      this.keyBuf,
      this.keyWords,
      this.kLen,
      this.kHash,
      bytes,
      expiresAt,
      now,
    );
    store.endWrite(base);
  }

  /** Removes `key`; true if a live (unexpired) entry existed. */
  delete(key: string): boolean {
    this.enterWrite();
    const now = this.now();
    this.prepareKey(key);
    const page = this.kPage;
    const base = this.store.base(page);
    this.lock(page);
    try {
      this.store.ensurePage(page, now);
      const off = this.findLive(base, page, now);
      if (off < 0) {
        this.repairIfHiding(page, now);
        return false;
      }
      this.removeFound(base, off, P_DELETES);
      return true;
    } finally {
      this.unlock(page);
    }
  }

  /**
   * Atomic read-modify-write under the page lock: `fn` gets the current value (undefined if
   * missing or expired) and returns the new one, or undefined to delete. `fn` must be
   * synchronous and must not use any cache (ERR_FASTMMAP_REENTRANT). Returns the new value.
   */
  getAndSet(
    key: string,
    fn: (current: V | undefined) => V | undefined,
    options?: SetOptions,
  ): V | undefined {
    this.enterWrite();
    if (typeof fn !== 'function') throw new TypeError('getAndSet needs a function');
    const now = this.now();
    const expiresAt = this.expiryOf(options, now);
    this.prepareKey(key);
    const page = this.kPage;
    const store = this.store;
    const base = store.base(page);
    let next: V | undefined;
    this.lock(page);
    try {
      store.ensurePage(page, now);
      const off = this.findLive(base, page, now);
      const current = off < 0 ? MISS : this.decodeLocked(base, off, key);
      next = fn(current === MISS ? undefined : current);
      if (isThenable(next)) {
        throw new FastMmapError(
          'ERR_FASTMMAP_ENCODE',
          'the getAndSet callback returned a Promise: it must be synchronous (the page stays locked while it runs)',
        );
      }
      if (next === undefined) {
        // A delete that found nothing, as delete()'s: the page may hide the key's record.
        if (current === MISS) this.repairIfHiding(page, now);
        else this.removeFound(base, off, P_DELETES);
      } else {
        const bytes = this.encode(next);
        this.checkSize(key, bytes.length);
        this.putLocked(base, page, bytes, expiresAt, now);
      }
    } finally {
      this.unlock(page);
    }
    this.afterWrite(now);
    return next;
  }

  getAndDelete(key: string): V | undefined {
    this.enterWrite();
    const now = this.now();
    this.prepareKey(key);
    const page = this.kPage;
    const base = this.store.base(page);
    this.lock(page);
    try {
      this.store.ensurePage(page, now);
      const off = this.findLive(base, page, now);
      if (off < 0) {
        this.repairIfHiding(page, now);
        return undefined;
      }
      const value = this.decodeLocked(base, off, key);
      if (value === MISS) return undefined; // damaged: dropped already
      this.removeFound(base, off, P_DELETES);
      return value;
    } finally {
      this.unlock(page);
    }
  }

  /** Gives a live entry a new expiry (`ttl` from now, default expireTime); false if missing. */
  touch(key: string, options?: SetOptions): boolean {
    this.enterWrite();
    const now = this.now();
    const expiresAt = this.expiryOf(options, now);
    this.prepareKey(key);
    const page = this.kPage;
    const base = this.store.base(page);
    this.lock(page);
    try {
      this.store.ensurePage(page, now);
      const off = this.findLive(base, page, now);
      if (off < 0) return false;
      // retime re-seals the record: bytes written over it since this instance verified them
      // (the checksum memo's word) would come out valid for every process. Hashed again first.
      if (this.droppedIfDamaged(base, off)) return false;
      this.store.beginWrite(base);
      this.store.retime(base, off, expiresAt, now);
      this.store.endWrite(base);
      return true;
    } finally {
      this.unlock(page);
    }
  }

  /**
   * Removes every expired entry now (they are otherwise removed lazily); returns the count. On
   * the way it repairs what verify() would report: torn pages, bad records, wrong counts.
   */
  purge(): number {
    return this.purgePages(0, this.numPages);
  }

  /**
   * purge() of `count` pages from page `from` (clamped to the file): a big file purged in
   * batches, with the event loop free between them, instead of in one long call.
   */
  purgePages(from: number, count: number): number {
    this.enterWrite();
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count) || from < 0 || count < 0) {
      throw new FastMmapError(
        'ERR_FASTMMAP_INVALID_OPTION',
        `purgePages(from, count) takes integers >= 0, got ${from}, ${count}`,
      );
    }
    const now = this.now();
    const end = Math.min(this.numPages, from + count);
    let removed = 0;
    for (let page = from; page < end; page++) {
      const base = this.store.base(page);
      this.lock(page);
      try {
        this.store.ensurePage(page, now);
        removed += this.repairIfUnsound(page, now);
        this.store.beginWrite(base);
        removed += this.store.purge(page, now);
        this.store.endWrite(base);
      } finally {
        this.unlock(page);
      }
    }
    return removed;
  }

  /**
   * Under the page's lock, for purge: a write trusts a sane header's counts and checks only the
   * records it reads, so the sweep is where a page verify() would call bad (wrong counts, a
   * record that fails its checks or cannot be found) is rebuilt from its good records. Checked
   * before the expired ones go: a damaged expiry must count as damage. Returns the expired
   * records the rebuild removed with it.
   */
  private repairIfUnsound(page: number, now: number): number {
    const check = checkPage(this.store, page, true);
    if (!check.badHeader && check.countsOk && check.badRecords === 0) return 0;
    const expired = this.store.base(page) + P_EXPIRED;
    const before = this.store.read64(expired);
    this.store.repairPage(page, now);
    return this.store.read64(expired) - before;
  }

  /**
   * Under the page's lock, after a delete (delete, getAndDelete, a getAndSet whose callback
   * returned undefined) found nothing: a slot table whose counts are off may hide the key's
   * record behind an empty slot written over its probe chain, and a later insert that fills
   * that slot would bring it back (a logout undone). The rebuild drops what its key's lookup
   * cannot reach. A pass over the slot table, on this rare path only.
   */
  private repairIfHiding(page: number, now: number): void {
    if (slotCountsDisagree(this.store, this.store.base(page))) this.store.repairPage(page, now);
  }

  /** Removes every entry (page by page, each under its lock; counters are kept). */
  clear(): void {
    this.enterWrite();
    const now = this.now();
    for (let page = 0; page < this.numPages; page++) {
      const base = this.store.base(page);
      this.lock(page);
      try {
        this.store.ensurePage(page, now);
        this.store.beginWrite(base);
        this.store.clearPage(page);
        this.store.endWrite(base);
      } finally {
        this.unlock(page);
      }
    }
  }

  // ---- iteration -----------------------------------------------------------------------------

  /** Live, unexpired keys, page by page (each page is a snapshot taken under its lock). */
  *keys(): IterableIterator<string> {
    for (const [key] of this.scan(false)) yield key;
  }

  /** Live, unexpired entries, page by page; values are decoded outside the lock. */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, bytes] of this.scan(true)) {
      let value: V;
      try {
        value = this.codec.decode(bytes!) as V;
      } catch {
        continue; // undecodable here (a get of its key says why): left as it is
      }
      yield [key, value];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  private *scan(withValues: boolean): Generator<ScannedEntry> {
    for (let page = 0; page < this.numPages; page++) {
      this.enter();
      const now = this.now();
      yield* this.onPage(page, () => scanPage(this.store, page, now, withValues, this.readOnly));
    }
  }

  // ---- introspection -------------------------------------------------------------------------

  /** Counters from the file: they cover every process sharing it. */
  stats(): CacheStats {
    this.enter();
    return cacheStats(this.path, this.header, this.store);
  }

  /** Deep consistency check of every page under its lock. Changes nothing. */
  verify(): VerifyReport {
    this.enter();
    const check = (page: number) => this.onPage(page, () => checkPage(this.store, page));
    if (this.locks.canLock)
      return verifyReport(Array.from({ length: this.numPages }, (_, p) => check(p)));
    // Without locks: a page seen mid-write is taken as it is at once (no grace each, which a
    // crash that left many torn pages paid one after another), and all of them are looked at
    // again together, as a live writer set aside mid-write looks like a dead one.
    const glance = (page: number) => this.onPage(page, () => checkPage(this.store, page), 0);
    const checks = Array.from({ length: this.numPages }, (_, page) => glance(page));
    recheckTornPages(this.store, checks, check);
    return verifyReport(checks);
  }

  /**
   * For tools (`fastmmap watch`): the largest record in the file, as the pressure warning knows
   * it. Each call reads the slot tables of up to 4 MiB of pages more, round the file, without
   * locks; until the calls have read every page (`shareRead` 1) `bytes` is a lower bound.
   */
  largestRecordSoFar(): { bytes: number; shareRead: number } {
    this.enter();
    const bytes = this.largestRecord.look(this.store, this.numPages);
    return { bytes, shareRead: this.largestRecord.shareRead(this.numPages) };
  }

  /**
   * One look at the page locks, taking none (a read-only instance can): the stripes whose
   * mutex names a holder thread now. A lock is held for microseconds, so a tool (the CLI)
   * reports only a holder seen on looks some tens of ms apart with no write in between.
   */
  heldLocks(): HeldLock[] {
    this.enter();
    const store = this.store;
    return readHeldLocks(store.i32, this.stripes, this.numPages, (page) =>
      store.genIndex(store.base(page)),
    );
  }

  /** Releases the file's locks. Idempotent; any later call throws ERR_FASTMMAP_CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.locks.close();
    this.memo?.clear();
    // The mapping is released when the garbage collector frees it (neither mapping addon unmaps on demand).
  }

  // ---- internals -----------------------------------------------------------------------------

  private enter(): void {
    if (this.closed)
      throw new FastMmapError('ERR_FASTMMAP_CLOSED', `the cache ${this.path} is closed`);
    if (lockHeld) {
      throw new FastMmapError(
        'ERR_FASTMMAP_REENTRANT',
        'a cache call from inside a getAndSet callback or codec: the page lock is held; do the work outside the callback',
      );
    }
  }

  /**
   * The injected clock's reading, checked. Read before the key is prepared: a clock that uses
   * this cache reuses its key buffer.
   */
  private now(): number {
    return checkedNow(this.clock());
  }

  private enterWrite(): void {
    this.enter();
    if (this.readOnly)
      throw new FastMmapError(
        'ERR_FASTMMAP_READ_ONLY',
        `the cache ${this.path} was opened readOnly`,
      );
  }

  private lock(page: number): void {
    this.locks.lock(page % this.stripes);
    lockHeld = true;
  }

  private unlock(page: number): void {
    lockHeld = false;
    this.locks.unlock(page % this.stripes);
  }

  private prepareKey(key: string): void {
    // kKey only ever holds a key that passed validation (or NO_KEY), so the shortcut admits no
    // other value. Length and last char first: comparing two different strings of one length
    // (ids!) is a builtin call, dearer than hashing a short key again.
    if (
      typeof key === 'string' &&
      key.length === this.kChars &&
      key.charCodeAt(key.length - 1) === this.kLast &&
      key === this.kKey
    )
      return;
    this.kKey = NO_KEY;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_BYTES)
      throw invalidKey(key);
    let n = key.length;
    let hash = asciiKeyHash(key, this.keyBuf, this.keyWords);
    if (hash < 0) {
      // Not pure ASCII: the general path (UTF-8 may be longer than the string).
      if (!(key as unknown as { isWellFormed(): boolean }).isWellFormed()) throw invalidKey(key);
      n = this.keyBuf.utf8Write(key, 0);
      if (n > MAX_KEY_BYTES) throw invalidKey(key);
      hash = murmur3(this.keyBuf, 0, n, KEY_HASH_SEED);
    }
    this.kLen = n;
    this.kHash = hash;
    // Integer operands: `uint32 % field` compiles to an x87 fprem loop (~20 ns, and a double
    // kPage makes every later `page % stripes` one too); this is an integer division.
    this.kPage = ((hash >>> 0) % (this.numPages >>> 0)) | 0;
    this.kChars = key.length;
    this.kLast = key.charCodeAt(key.length - 1);
    this.kKey = key;
  }

  private encode(value: V): Uint8Array {
    if (value === undefined) {
      throw new FastMmapError(
        'ERR_FASTMMAP_ENCODE',
        'undefined cannot be stored (get() could not tell it from a miss); use delete()',
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = this.codec.encode(value);
    } catch (err) {
      throw new FastMmapError(
        'ERR_FASTMMAP_ENCODE',
        `the ${this.codec.name} codec could not encode the value: ${(err as Error)?.message ?? String(err)}`,
        { cause: err },
      );
    }
    if (!(bytes instanceof Uint8Array)) {
      throw new FastMmapError(
        'ERR_FASTMMAP_ENCODE',
        `the ${this.codec.name} codec returned ${typeof bytes}, not a Uint8Array`,
      );
    }
    return bytes;
  }

  private checkSize(key: string, valueLen: number): void {
    const size = recordSize(this.kLen, valueLen);
    if (size > this.maxRecord) {
      throw new FastMmapError(
        'ERR_FASTMMAP_VALUE_TOO_LARGE',
        `the entry for ${JSON.stringify(key.slice(0, 64))} needs ${size} bytes; a ${this.header.pageSize}-byte page holds at most ${this.maxRecord} (raise pageSize)`,
      );
    }
    this.largestRecord.written(size);
  }

  private expiryOf(options: SetOptions | undefined, now: number): number {
    // set(key, value, 5000) would otherwise keep the item for the default time, silently.
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new FastMmapError(
        'ERR_FASTMMAP_INVALID_OPTION',
        `set options must be an object such as { ttl: ms }, got ${String(options)}`,
      );
    }
    const ttl = options?.ttl === undefined ? this.expireTime : validTtl(options.ttl, 'ttl');
    return ttl === 0 ? 0 : now + ttl;
  }

  /**
   * Reads the current key without any lock: a seqlock on the page generation (read it, find and
   * check the record, decode, read it again). Falls back to the locked path when a writer is
   * active, died mid-write, or the record fails its checksum or decode. MISS on a miss.
   */
  private read(
    key: string,
    decode: boolean,
    count: boolean,
    now: number,
  ): V | undefined | typeof MISS {
    const store = this.store;
    const page = this.kPage;
    const base = store.base(page);
    const gi = store.genIndex(base);
    const i32 = store.i32;
    const counting = count && !this.readOnly;
    for (let attempt = 0; attempt < SEQLOCK_TRIES; attempt++) {
      // A custom codec's decode (no lock held) may have used this cache, which prepared its
      // own key in the buffer: the retry, or the locked read below, would look that one up.
      if (this.kKey !== key) this.prepareKey(key);
      const gen = Atomics.load(i32, gi);
      if ((gen & 1) !== 0) break;
      const off = store.find(base, this.keyBuf, this.keyWords, this.kLen, this.kHash);
      if (off === NOT_FOUND) {
        if (Atomics.load(i32, gi) !== gen) continue;
        if (counting) store.countRead(base, false);
        return MISS;
      }
      if (off < 0) continue;
      const len = store.recordLength(base, off);
      const sound = len > 0 && store.crcOkAt(off, len);
      const expiresAt = store.expiresAt(off);
      const lastAccess = store.lastAccess(off);
      const expired = expiresAt !== 0 && now >= expiresAt;
      let value: V | undefined;
      let decoded = true;
      if (sound && decode && !expired) {
        try {
          value = this.decodeAt(off, len);
        } catch {
          decoded = false;
        }
      }
      if (Atomics.load(i32, gi) !== gen) continue; // a writer got in: what we read may be torn
      if (!sound || !decoded) break; // corrupt: the locked path drops it
      if (expired) {
        if (counting) store.countRead(base, false);
        return MISS;
      }
      if (counting) {
        store.countRead(base, true);
        // LRU needs second resolution only: refresh at most once a second per item (and after
        // the clock was set back, when the time kept is in the future).
        const sec = Math.floor(now / 1000);
        if (sec !== lastAccess) this.refreshAccess(page, gi, gen, off, sec);
      }
      this.readExpiresAt = expiresAt;
      this.readLastAccess = lastAccess;
      return value;
    }
    if (this.kKey !== key) this.prepareKey(key);
    return this.readLocked(decode, count, now);
  }

  /** Best effort: a busy page skips the refresh rather than make a read wait. */
  private refreshAccess(page: number, gi: number, gen: number, off: number, sec: number): void {
    if (!this.locks.tryLock(page % this.stripes)) return;
    lockHeld = true;
    try {
      if (Atomics.load(this.store.i32, gi) === gen) this.store.touchAccess(off, sec);
    } finally {
      this.unlock(page);
    }
  }

  private readLocked(decode: boolean, count: boolean, now: number): V | undefined | typeof MISS {
    const store = this.store;
    const page = this.kPage;
    const base = store.base(page);
    if (!this.locks.canLock) return this.onPage(page, () => this.readCopied(decode, now));
    this.lock(page);
    try {
      if (!this.readOnly) store.ensurePage(page, now);
      const off = this.findLive(base, page, now);
      const value =
        off < 0 ? MISS : decode ? this.decodeLocked(base, off, this.kKey as string) : undefined;
      if (value !== MISS) {
        this.readExpiresAt = store.expiresAt(off);
        this.readLastAccess = store.lastAccess(off); // as it was before this read
      }
      if (!this.readOnly && count) {
        store.countRead(base, value !== MISS);
        if (value !== MISS) store.touchAccess(off, Math.floor(now / 1000));
      }
      return value;
    } finally {
      this.unlock(page);
    }
  }

  /**
   * The prepared key's value read from a private copy of its record (checksum and key checked
   * on the copy), for a reader without locks, inside readStablePage. MISS if missing or bad.
   */
  private readCopied(decode: boolean, now: number): V | undefined | typeof MISS {
    const store = this.store;
    const base = store.lockFreeBase(this.kPage);
    const off = store.find(base, this.keyBuf, this.keyWords, this.kLen, this.kHash);
    let len = -1;
    if (off >= 0) len = this.copyChecked(base, off);
    else if (off === BROKEN) {
      // Nobody here may repair the page: find what a writer's repair would keep (keys() lists it).
      const { keyBuf, kLen, kHash } = this;
      const accept = (at: number) => {
        len = this.copyChecked(base, at);
        return len >= 0;
      };
      findPastBrokenSlot(store, base, keyBuf, kLen, kHash, accept);
    }
    if (len < 0) return MISS;
    const expiresAt = store.scratchF64[1]!;
    if (expiresAt !== 0 && now >= expiresAt) return MISS;
    this.readExpiresAt = expiresAt;
    this.readLastAccess = store.scratchU32[1]!;
    if (!decode) return undefined;
    const start = RECORD_HEADER_SIZE + this.kLen;
    try {
      const decodeRange = this.decodeRange;
      if (decodeRange !== undefined) return decodeRange(store.scratch, start, len) as V;
      return this.codec.decode(Buffer.from(store.scratch.subarray(start, len))) as V;
    } catch (err) {
      throw decodeError(this.codec.name, this.kKey as string, err);
    }
  }

  /** Copies the record at `off` into scratch: its length if it checks out as the key's, or -1. */
  private copyChecked(base: number, off: number): number {
    const store = this.store;
    const len = store.copyRecord(base, off);
    if (len < 0 || !copiedRecordOk(store, base, off, len)) return -1;
    return store.scratchHoldsKey(this.keyBuf, this.kLen) ? len : -1;
  }

  /**
   * Runs `fn` on a consistent page: under its lock, or, for a reader that cannot lock (see
   * readStablePage), re-run until no writer changed the page meanwhile.
   */
  private onPage<T>(page: number, fn: () => T, tornGraceMs?: number): T {
    if (this.locks.canLock) {
      this.lock(page);
      try {
        return fn();
      } finally {
        this.unlock(page);
      }
    }
    const store = this.store;
    lockHeld = true; // the same rule: no cache call from a codec meanwhile
    try {
      const gi = store.genIndex(store.base(page));
      const { deadWrites, lockTimeout } = this;
      return readStablePage(store.i32, gi, lockTimeout, fn, undefined, deadWrites, tornGraceMs);
    } finally {
      lockHeld = false;
    }
  }

  /**
   * Under the page lock: the key's record, verified in place, or -1 (nobody else writes the page
   * while we hold its lock, so it is read from the mapping without a copy). A record failing its
   * checksum is dropped, an expired one removed (not in readOnly mode). A broken page is repaired.
   */
  private findLive(base: number, page: number, now: number): number {
    const store = this.store;
    let off = store.find(base, this.keyBuf, this.keyWords, this.kLen, this.kHash);
    if (off === NOT_FOUND) return -1;
    if (off < 0) {
      if (this.readOnly) return -1;
      store.repairPage(page, now); // a slot or record is garbage: rebuild from what checks out
      off = store.find(base, this.keyBuf, this.keyWords, this.kLen, this.kHash);
      if (off < 0) return -1;
    }
    // The checksum memo spares the lock-free read's check of the same version a second hash.
    const len = store.recordLength(base, off);
    if (len < 0 || !store.crcOkAt(off, len)) {
      if (!this.readOnly) this.removeFound(base, off, P_DROPPED);
      return -1;
    }
    const exp = store.expiresAt(off);
    if (exp !== 0 && now >= exp) {
      if (!this.readOnly) this.removeFound(base, off, P_EXPIRED);
      return -1;
    }
    return off;
  }

  /** find() for a write: repairs a broken page first. */
  private findForWrite(base: number, page: number, now: number): number {
    const store = this.store;
    const off = store.find(base, this.keyBuf, this.keyWords, this.kLen, this.kHash);
    if (off !== BROKEN) return off;
    store.repairPage(page, now);
    return store.find(base, this.keyBuf, this.keyWords, this.kLen, this.kHash);
  }

  private removeFound(
    base: number,
    off: number,
    counter: typeof P_DELETES | typeof P_EXPIRED | typeof P_DROPPED,
  ): void {
    this.store.beginWrite(base);
    this.store.remove(base, off, counter);
    this.store.endWrite(base);
  }

  /**
   * Decodes a value from the mapping (the caller re-checks the generation after), or copies
   * the value the decode memo kept for these exact bytes.
   */
  private decodeAt(off: number, len: number): V {
    const start = off + RECORD_HEADER_SIZE + this.store.keyLenAt(off);
    const memo = this.memo;
    if (memo !== undefined) {
      const crc = this.store.u32[off >>> 2]! | 0; // the record's checksum word
      const key = this.kKey as string;
      const decode = this.decodeRange!;
      return memo.value(this.kHash, key, crc, this.store.map, start, off + len, decode) as V;
    }
    return this.decodeValue(start, off + len);
  }

  /** Decodes mapping bytes [start, end): in place for cbor/json, else from a private copy. */
  private decodeValue(start: number, end: number): V {
    const decodeRange = this.decodeRange;
    if (decodeRange !== undefined) return decodeRange(this.store.map, start, end) as V;
    const bytes = copyOut(this.store.mapBuffer, this.store.mapByteOffset + start, end - start);
    return this.codec.decode(bytes) as V;
  }

  /**
   * Under the lock: decodes the record findLive() just found and verified (not through the
   * decode memo: a locked read is mostly a getAndSet about to replace the version). A decode
   * that fails with the bytes still passing their checksum is not damage (the reader's stack
   * ran out under a deeply nested value, a custom codec's bug): ERR_FASTMMAP_DECODE, and the
   * record is kept for a reader that can decode it. One that fails it is dropped: MISS.
   */
  private decodeLocked(base: number, off: number, key: string): V | typeof MISS {
    const store = this.store;
    const start = off + RECORD_HEADER_SIZE + store.keyLenAt(off);
    try {
      return this.decodeValue(start, start + store.valueLenAt(off));
    } catch (err) {
      // findLive's checksum may be this instance's memo of bytes something wrote over since:
      // hashed again, damage is dropped as a process without that memo would drop it.
      if (this.droppedIfDamaged(base, off)) return MISS;
      throw decodeError(this.codec.name, key, err);
    }
  }

  /**
   * Under the lock: hashes the record at `off` again, past the checksum memo, and drops it
   * (counted) if it fails. Whether it did.
   */
  private droppedIfDamaged(base: number, off: number): boolean {
    const store = this.store;
    if (store.crcOkAgain(off, store.recordLength(base, off))) return false;
    if (!this.readOnly) this.removeFound(base, off, P_DROPPED);
    return true;
  }

  private afterWrite(now: number): void {
    this.pressure.afterWrite(now);
    this.upkeep?.afterWrite(now);
  }
}
