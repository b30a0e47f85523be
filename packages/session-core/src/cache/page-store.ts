import { crc32 } from 'node:zlib';
import { Compactor } from './compactor.js';
import { KEY_HASH_SEED, murmur3, slotHash } from './hash.js';
import {
  dataStart,
  HEADER_SIZE,
  initialSlots,
  maxSlots,
  minSlots,
  P_DELETES,
  P_DROPPED,
  P_EVICTIONS,
  P_EVICTIONS_UNEXPIRED,
  P_EXPIRED,
  P_FREE_DATA,
  P_GEN,
  P_HITS,
  P_INDEX,
  P_ITEMS,
  P_LIVE_BYTES,
  P_MAGIC,
  P_MISSES,
  P_NUM_SLOTS,
  P_REPAIRS,
  P_RETIME_AT,
  P_RETIME_CRC,
  P_RETIME_EXPIRES,
  P_SETS,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  PAGE_MAGIC,
  R_CRC_FROM,
  RECORD_HEADER_SIZE,
  RETIRED_FLAG,
  recordSize,
  SLOT_EMPTY,
  SLOT_MAX_LOAD,
  SLOT_TOMBSTONE,
  W_CRC,
  W_FLAGS,
  W_HASH,
  W_KEY_LEN,
  W_LAST_ACCESS,
  W_VALUE_LEN,
} from './layout.js';
import { hook } from './test-hooks.js';

/** `find` results that are not record offsets. */
export const NOT_FOUND = -1;
/** The page structure is inconsistent (torn or corrupt): lock and repair, or retry. */
export const BROKEN = -2;

/** Entries of the memo of verified records: about one per KiB of file, within these bounds. */
const MEMO_MIN_BITS = 12;
const MEMO_MAX_BITS = 18;

/**
 * The page format and every operation on it. Mutating methods must be called with the page's
 * stripe lock held; `find`/`copyRecord` are also safe without it (seqlock readers), because
 * they bound-check everything they read.
 */
export class PageStore {
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly minSlots: number;
  readonly maxSlots: number;
  readonly initialSlots: number;
  /** Copies of records read from the mapping (checked and decoded from here, never in place). */
  readonly scratch: Buffer;
  readonly scratchU32: Uint32Array;
  readonly scratchF64: Float64Array;
  private readonly compactor: Compactor;
  /**
   * Direct-mapped memo of records whose checksum this instance has verified: pairs of (offset,
   * crc word) side by side, so a lookup costs one cache miss, not two.
   */
  private readonly verified: Int32Array;
  private readonly memoShift: number;
  /** The mapping's ArrayBuffer and offset, for views (cheaper than Buffer subarrays). */
  readonly mapBuffer: ArrayBufferLike;
  readonly mapByteOffset: number;
  /** Set by `find`: the slot index of the match, or the first slot a new key may use. */
  foundSlot = -1;
  insertSlot = -1;
  /** Slot-table mask of the last page `find` probed (its guess for the next page). */
  private probableMask: number;

  constructor(
    readonly map: Buffer,
    readonly pageSize: number,
    readonly numPages: number,
    readonly stripes: number,
  ) {
    this.u32 = new Uint32Array(map.buffer, map.byteOffset, map.length >>> 2);
    this.i32 = new Int32Array(map.buffer, map.byteOffset, map.length >>> 2);
    this.f64 = new Float64Array(map.buffer, map.byteOffset, map.length >>> 3);
    this.minSlots = minSlots(pageSize);
    this.maxSlots = maxSlots(pageSize);
    this.initialSlots = initialSlots(pageSize);
    this.probableMask = this.initialSlots - 1;
    this.scratch = Buffer.allocUnsafeSlow(pageSize);
    this.scratchU32 = new Uint32Array(this.scratch.buffer, this.scratch.byteOffset, pageSize >>> 2);
    this.scratchF64 = new Float64Array(
      this.scratch.buffer,
      this.scratch.byteOffset,
      pageSize >>> 3,
    );
    const memoBits = Math.min(
      MEMO_MAX_BITS,
      Math.max(MEMO_MIN_BITS, Math.ceil(Math.log2(map.length / 1024))),
    );
    this.verified = new Int32Array(2 ** (memoBits + 1)).fill(-1);
    this.memoShift = 32 - memoBits;
    this.mapBuffer = map.buffer;
    this.mapByteOffset = map.byteOffset;
    this.compactor = new Compactor(this);
  }

  base(page: number): number {
    return HEADER_SIZE + page * this.pageSize;
  }

  genIndex(base: number): number {
    return (base + P_GEN) >>> 2;
  }

  // ---- reading -------------------------------------------------------------------------

  /**
   * Locates `key` in the page at `base`: its absolute record offset, NOT_FOUND or BROKEN.
   * Every offset is bound-checked, so garbage or a concurrent writer cannot make it throw.
   */
  find(base: number, key: Uint8Array, keyWords: Uint32Array, klen: number, hash: number): number {
    const u32 = this.u32;
    const slots = (base + PAGE_HEADER_SIZE) >>> 2;
    const start0 = slotHash(hash);
    // Pages nearly all have the slot count seen last: reading the probable first slot before
    // the page header lets the two cache misses overlap instead of one waiting for the other.
    // (A guess is at most maxSlots slots into the page, so the read stays inside it.)
    let mask = this.probableMask;
    let i = start0 & mask;
    let rel = u32[slots + i]!;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    if (numSlots < this.minSlots || numSlots > this.maxSlots || (numSlots & (numSlots - 1)) !== 0)
      return BROKEN;
    const start = dataStart(numSlots);
    if (freeData < start || freeData > this.pageSize) return BROKEN;
    if (numSlots - 1 !== mask) {
      mask = numSlots - 1;
      this.probableMask = mask;
      i = start0 & mask;
      rel = u32[slots + i]!;
    }
    const map = this.map;
    let firstFree = -1;
    this.foundSlot = -1;
    for (let n = 0; n < numSlots; n++) {
      if (n > 0) {
        i = (i + 1) & mask;
        rel = u32[slots + i]!;
      }
      if (rel === SLOT_EMPTY) {
        this.insertSlot = firstFree >= 0 ? firstFree : i;
        return NOT_FOUND;
      }
      if (rel === SLOT_TOMBSTONE) {
        if (firstFree < 0) firstFree = i;
        continue;
      }
      if (rel < start || (rel & 7) !== 0 || rel + RECORD_HEADER_SIZE > freeData) return BROKEN;
      const w = (base + rel) >>> 2;
      if (u32[w + W_HASH] !== hash || u32[w + W_KEY_LEN] !== klen) continue;
      const k = base + rel + RECORD_HEADER_SIZE;
      if (rel + RECORD_HEADER_SIZE + klen > freeData) return BROKEN;
      // Keys start 8-aligned in records and at 0 in the key buffer: compare 4 bytes at a time.
      const words = klen >>> 2;
      const kw = k >>> 2;
      let j = 0;
      while (j < words && u32[kw + j] === keyWords[j]) j++;
      if (j < words) continue;
      j <<= 2;
      while (j < klen && map[k + j] === key[j]) j++;
      if (j === klen) {
        this.foundSlot = i;
        return base + rel;
      }
    }
    this.insertSlot = firstFree;
    return NOT_FOUND;
  }

  /** Header + key + value length of the record at `off`, or -1 if it runs past the page's data. */
  recordLength(base: number, off: number): number {
    const w = off >>> 2;
    const len = RECORD_HEADER_SIZE + this.u32[w + W_KEY_LEN]! + this.u32[w + W_VALUE_LEN]!;
    return off + len > base + this.u32[(base + P_FREE_DATA) >>> 2]! ? -1 : len;
  }

  /**
   * Checks the CRC of a record in the mapping (the caller re-checks the generation after).
   * Records are never changed in place except to re-seal them (touch), so a record this
   * instance has verified, still at the same offset with the same checksum word, is not hashed
   * again: the hot read path pays for a CRC once per record version, not once per read.
   */
  crcOkAt(off: number, len: number): boolean {
    const word = this.i32[off >>> 2]!;
    const memo = this.memoSlot(off);
    const verified = this.verified;
    if (verified[memo] === off && verified[memo + 1] === word) return true;
    if (word >>> 0 !== this.crcAt(off + R_CRC_FROM, off + len)) return false;
    verified[memo] = off;
    verified[memo + 1] = word;
    return true;
  }

  /**
   * crcOkAt without the memo's word for this record: for a record whose bytes something may
   * have written over after this instance verified them (one that failed to decode, or that
   * touch() is about to re-seal).
   */
  crcOkAgain(off: number, len: number): boolean {
    const memo = this.memoSlot(off);
    if (this.verified[memo] === off) this.verified[memo] = -1;
    return this.crcOkAt(off, len);
  }

  /** Where the checksum memo keeps the record at `off`: its offset, then its checksum word. */
  private memoSlot(off: number): number {
    return (Math.imul(off >>> 3, 0x9e3779b1) >>> this.memoShift) << 1;
  }

  /** Whether the memo holds the record at `off` as verified, with its current checksum word. */
  private isVerified(off: number): boolean {
    const memo = this.memoSlot(off);
    return this.verified[memo] === off && this.verified[memo + 1] === this.i32[off >>> 2];
  }

  /** Seals the record at `off` (its CRC, written last) and remembers it as verified. */
  private seal(off: number, len: number): void {
    const crc = this.crcAt(off + R_CRC_FROM, off + len);
    this.u32[off >>> 2] = crc;
    const memo = this.memoSlot(off);
    this.verified[memo] = off;
    this.verified[memo + 1] = crc | 0;
  }

  /** CRC-32 of mapping bytes [from, to), computed in place. */
  private crcAt(from: number, to: number): number {
    return crc32(new Uint8Array(this.mapBuffer, this.mapByteOffset + from, to - from));
  }

  /**
   * Copies the record at `off` into `scratch` and returns its length (header + key + value), or
   * -1 if its lengths run past the page's data. The caller checks the generation, then `crcOk`.
   */
  copyRecord(base: number, off: number): number {
    const freeData = this.u32[(base + P_FREE_DATA) >>> 2]!;
    if (off < base || off + RECORD_HEADER_SIZE > base + freeData || freeData > this.pageSize)
      return -1;
    const w = off >>> 2;
    const len = RECORD_HEADER_SIZE + this.u32[w + W_KEY_LEN]! + this.u32[w + W_VALUE_LEN]!;
    if (len > this.pageSize || off + len > base + freeData) return -1;
    this.map.copy(this.scratch, 0, off, off + len);
    return len;
  }

  /** Whether the record copied into `scratch` has this key (`klen` bytes of `key`). */
  scratchHoldsKey(key: Uint8Array, klen: number): boolean {
    if (this.scratchU32[W_KEY_LEN] !== klen) return false;
    const scratch = this.scratch;
    for (let i = 0; i < klen; i++) if (scratch[RECORD_HEADER_SIZE + i] !== key[i]) return false;
    return true;
  }

  /** Checks the CRC of the record copied into `scratch`. */
  scratchCrcOk(len: number): boolean {
    return this.scratchU32[W_CRC] === crc32(this.scratch.subarray(R_CRC_FROM, len));
  }

  /**
   * Checks a record in place (under the lock): bounds, CRC, and that its key belongs here.
   * With `trustVerified`, a record this instance verified (read through find, so its key's hash
   * and page were right too, or written itself) is not hashed again: a sweep's check.
   */
  recordOk(
    base: number,
    page: number,
    rel: number,
    start: number,
    freeData: number,
    trustVerified = false,
  ): boolean {
    if (rel < start || (rel & 7) !== 0 || rel + RECORD_HEADER_SIZE > freeData) return false;
    const w = (base + rel) >>> 2;
    const klen = this.u32[w + W_KEY_LEN]!;
    const vlen = this.u32[w + W_VALUE_LEN]!;
    const end = rel + RECORD_HEADER_SIZE + klen + vlen;
    if (klen === 0 || end > freeData) return false;
    const off = base + rel;
    if (trustVerified && this.isVerified(off)) return true;
    if (
      this.u32[w + W_CRC] !== this.crcAt(off + R_CRC_FROM, off + RECORD_HEADER_SIZE + klen + vlen)
    ) {
      return false;
    }
    const hash = murmur3(this.map, off + RECORD_HEADER_SIZE, klen, KEY_HASH_SEED);
    return hash === this.u32[w + W_HASH] && hash % this.numPages === page;
  }

  // ---- page-level checks ------------------------------------------------------------------

  /**
   * The page's slot table as one read of its header gives it (each word once: a lock-free
   * reader's may change under it), or undefined when the slot count and data end it read do
   * not bound a walk of the table and the records inside the page.
   */
  walkableSlots(base: number): SlotTable | undefined {
    const numSlots = this.u32[(base + P_NUM_SLOTS) >>> 2]!;
    const freeData = this.u32[(base + P_FREE_DATA) >>> 2]!;
    const start = dataStart(numSlots);
    const walkable =
      numSlots >= this.minSlots &&
      numSlots <= this.maxSlots &&
      (numSlots & (numSlots - 1)) === 0 &&
      freeData >= start &&
      freeData <= this.pageSize;
    if (!walkable) return undefined;
    return { numSlots, freeData, start, slots: (base + PAGE_HEADER_SIZE) >>> 2 };
  }

  /** Cheap structural check of a page header (run on every lock, and before lock-free reads). */
  headerSane(base: number, page: number): boolean {
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    return (
      this.walkable(base, page) &&
      freeData >= dataStart(numSlots) &&
      freeData <= this.pageSize &&
      // Records start 8-aligned (recordOk refuses others): a record appended at a damaged,
      // unaligned end would be dropped as corrupt after its set() succeeded.
      (freeData & 7) === 0 &&
      u32[(base + P_ITEMS) >>> 2]! + u32[(base + P_TOMBSTONES) >>> 2]! <= numSlots
    );
  }

  /**
   * Whether the page's identity and slot table can be trusted enough to rebuild the page from
   * its records (its counters and data end are recomputed), rather than start it over empty.
   */
  private walkable(base: number, page: number): boolean {
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    return (
      u32[(base + P_MAGIC) >>> 2] === PAGE_MAGIC &&
      u32[(base + P_INDEX) >>> 2] === page &&
      numSlots >= this.minSlots &&
      numSlots <= this.maxSlots &&
      (numSlots & (numSlots - 1)) === 0
    );
  }

  /**
   * Makes the page safe to use after taking its lock: finishes a compaction a dead process left
   * in the spare page, validates and rebuilds a page whose marker says a writer died inside it,
   * and re-initialises a page whose header is garbage. Returns true if it repaired something.
   */
  ensurePage(page: number, now: number): boolean {
    const base = this.base(page);
    const g = this.genIndex(base);
    const stripe = page % this.stripes;
    const redone = this.compactor.redoPendingSpare(stripe) === page;
    // A plain load: under the stripe lock nobody else writes the generation, and taking the
    // lock (a system call) orders it after every write of the previous holder.
    const gen = this.i32[g]!;
    if ((gen & 1) === 0 && this.headerSane(base, page)) return redone;
    // The repair gets an odd generation of its own, also after a dead writer's: a reader
    // without locks that judged that one dead reads the page at once while it lasts
    // (readStablePage), and would read the rebuild half copied.
    Atomics.add(this.i32, g, (gen & 1) === 0 ? 1 : 2);
    if (this.walkable(base, page)) {
      this.undoRetime(base);
      this.compactor.compact(page, 0, -1, now, true);
    } else {
      this.compactor.reinitPage(page);
    }
    this.add64(base + P_REPAIRS, 1);
    Atomics.add(this.i32, g, 1);
    return true;
  }

  /**
   * Where a reader without locks (inside readStablePage) reads `page` from: the page, or, while
   * its generation is odd (a writer it judged dead) and that writer's compaction image is
   * pending in the stripe's spare page, the image: the page then holds it half copied.
   */
  lockFreeBase(page: number): number {
    const gen = Atomics.load(this.i32, this.genIndex(this.base(page)));
    const image = (gen & 1) === 0 ? -1 : this.compactor.pendingImage(page, gen);
    return image < 0 ? this.base(page) : image;
  }

  /** Rebuilds a page whose slots or records are inconsistent (stripe lock held). */
  repairPage(page: number, now: number): void {
    const base = this.base(page);
    this.beginWrite(base);
    this.compactor.compact(page, 0, -1, now, true);
    this.add64(base + P_REPAIRS, 1);
    this.endWrite(base);
  }

  // ---- writing (stripe lock held) ----------------------------------------------------------

  beginWrite(base: number): void {
    Atomics.add(this.i32, (base + P_GEN) >>> 2, 1);
  }

  endWrite(base: number): void {
    Atomics.add(this.i32, (base + P_GEN) >>> 2, 1);
  }

  /**
   * Stores a record (between beginWrite and endWrite). `found` is find()'s result for the key.
   * The caller has checked that the record fits an empty page.
   */
  put(
    page: number,
    found: number,
    key: Uint8Array,
    keyWords: Uint32Array,
    klen: number,
    hash: number,
    value: Uint8Array,
    expiresAt: number,
    now: number,
  ): void {
    hook('write:after-marker');
    const base = this.base(page);
    const u32 = this.u32;
    const vlen = value.length;
    const need = recordSize(klen, vlen);
    let freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    let compactNow = freeData + need > this.pageSize;
    if (found < 0 && !compactNow) {
      const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
      const used = u32[(base + P_ITEMS) >>> 2]! + u32[(base + P_TOMBSTONES) >>> 2]!;
      const slot = this.insertSlot;
      compactNow =
        slot < 0 ||
        (u32[((base + PAGE_HEADER_SIZE) >>> 2) + slot] === SLOT_EMPTY &&
          used + 1 > numSlots * SLOT_MAX_LOAD);
    }
    if (compactNow) {
      // The old record of this key survives compaction (a death before the new one is written
      // must leave the old value), but it is never evicted for its own replacement.
      this.compactor.compact(page, need, found < 0 ? -1 : found - base, now, false);
      found = this.find(base, key, keyWords, klen, hash);
      freeData = u32[(base + P_FREE_DATA) >>> 2]!;
      if (
        found === BROKEN ||
        (found < 0 && this.insertSlot < 0) ||
        freeData + need > this.pageSize
      ) {
        throw new Error(`fastmmap: page ${page} has no room after compaction (internal error)`);
      }
    }
    const off = base + freeData;
    const w = off >>> 2;
    u32[w + W_LAST_ACCESS] = Math.floor(now / 1000);
    this.f64[(off + 8) >>> 3] = expiresAt;
    u32[w + W_HASH] = hash;
    u32[w + W_KEY_LEN] = klen;
    u32[w + W_VALUE_LEN] = vlen;
    u32[w + W_FLAGS] = 0;
    // Keys are short: copying words beats a copy call. Records and so keys start 8-aligned; the
    // last word may carry up to 3 stale bytes past the key, which the value (or, for a value
    // shorter than that, the record's padding to 8, outside the CRC) overwrites or absorbs.
    const keyAt = w + (RECORD_HEADER_SIZE >>> 2);
    const keyWordCount = (klen + 3) >>> 2;
    for (let j = 0; j < keyWordCount; j++) u32[keyAt + j] = keyWords[j]!;
    hook('write:mid-record');
    this.map.set(value, off + RECORD_HEADER_SIZE + klen);
    // The checksum goes last: a record without a valid one is not a record.
    this.seal(off, RECORD_HEADER_SIZE + klen + vlen);
    u32[(base + P_FREE_DATA) >>> 2] = freeData + need;
    hook('write:before-commit');
    const slotWord = (base + PAGE_HEADER_SIZE) >>> 2;
    if (found >= 0) {
      const oldSize = this.sizeAt(found);
      u32[slotWord + this.foundSlot] = freeData;
      u32[(base + P_LIVE_BYTES) >>> 2] = u32[(base + P_LIVE_BYTES) >>> 2]! - oldSize + need;
      this.retire(found); // after the slot moved: a death before this still reads the new value
    } else {
      const slot = this.insertSlot;
      if (u32[slotWord + slot] === SLOT_TOMBSTONE) u32[(base + P_TOMBSTONES) >>> 2]! -= 1;
      u32[slotWord + slot] = freeData;
      u32[(base + P_ITEMS) >>> 2]! += 1;
      u32[(base + P_LIVE_BYTES) >>> 2]! += need;
    }
    this.add64(base + P_SETS, 1);
  }

  /** Removes the record find() just found (between beginWrite and endWrite). */
  remove(
    base: number,
    off: number,
    counter: typeof P_DELETES | typeof P_EXPIRED | typeof P_DROPPED,
  ): void {
    hook('delete:after-marker');
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const slotWord = (base + PAGE_HEADER_SIZE) >>> 2;
    const slot = this.foundSlot;
    // No probe chain runs through a slot followed by an empty one: it can become empty too.
    if (u32[slotWord + ((slot + 1) & (numSlots - 1))] === SLOT_EMPTY) {
      u32[slotWord + slot] = SLOT_EMPTY;
    } else {
      u32[slotWord + slot] = SLOT_TOMBSTONE;
      u32[(base + P_TOMBSTONES) >>> 2]! += 1;
    }
    u32[(base + P_ITEMS) >>> 2]! -= 1;
    u32[(base + P_LIVE_BYTES) >>> 2]! -= this.sizeAt(off);
    this.add64(base + counter, 1);
    this.retire(off);
  }

  /**
   * Inverts the checksum of a record no slot should point at any more (replaced or removed),
   * so it can never pass again: a damaged slot table that still points at it (a flipped slot,
   * two slots for one record) gives a miss, not the old value. Readers of the page retry (the
   * write marker is set), and the record's own bytes are in cache from the lookup that found it.
   */
  private retire(off: number): void {
    const w = off >>> 2;
    const flags = this.u32[w + W_FLAGS]!;
    // The flag (inside the checksummed bytes) makes this idempotent: inverting twice would
    // restore the checksum. The inverted word also misses the verified-checksum memo.
    if ((flags & RETIRED_FLAG) !== 0) return;
    this.u32[w + W_FLAGS] = flags | RETIRED_FLAG;
    this.u32[w] = ~this.u32[w]!;
  }

  /**
   * Rewrites the expiry of the record at `off` in place and re-seals it (between beginWrite and
   * endWrite). The expiry is inside the checksum: the page's undo record keeps the old pair
   * until the new checksum is written, so a death in between is undone, not a lost entry.
   */
  retime(base: number, off: number, expiresAt: number, now: number): void {
    const w = off >>> 2;
    const u32 = this.u32;
    const len = RECORD_HEADER_SIZE + u32[w + W_KEY_LEN]! + u32[w + W_VALUE_LEN]!;
    u32[(base + P_RETIME_CRC) >>> 2] = u32[w]!;
    this.f64[(base + P_RETIME_EXPIRES) >>> 3] = this.f64[(off + 8) >>> 3]!;
    u32[(base + P_RETIME_AT) >>> 2] = off - base; // last: the undo record is complete
    this.f64[(off + 8) >>> 3] = expiresAt;
    hook('touch:mid-record');
    u32[w + W_LAST_ACCESS] = Math.floor(now / 1000);
    this.seal(off, len);
    u32[(base + P_RETIME_AT) >>> 2] = 0;
    // A write like set's (the expiry store.touch() or KoaSessionStore moves): counted with them,
    // as the Express store's touch and the manager's, both getAndSet, are.
    this.add64(base + P_SETS, 1);
  }

  /**
   * Under the lock of a page a writer died in: if it died inside retime() before the record's
   * new checksum, puts the old expiry and checksum back. Only when that makes the record pass
   * its checksum: an undo record left by a version that did not know it names another record.
   */
  private undoRetime(base: number): void {
    const u32 = this.u32;
    const rel = u32[(base + P_RETIME_AT) >>> 2]!;
    if (rel === 0) return;
    const freeData = Math.min(u32[(base + P_FREE_DATA) >>> 2]!, this.pageSize);
    const start = dataStart(u32[(base + P_NUM_SLOTS) >>> 2]!);
    if (this.inBounds(base, rel, start, freeData)) {
      const off = base + rel;
      const len = RECORD_HEADER_SIZE + this.keyLenAt(off) + this.valueLenAt(off);
      if (u32[off >>> 2] !== this.crcAt(off + R_CRC_FROM, off + len)) {
        const crc = u32[off >>> 2]!;
        const expiresAt = this.f64[(off + 8) >>> 3]!;
        this.f64[(off + 8) >>> 3] = this.f64[(base + P_RETIME_EXPIRES) >>> 3]!;
        u32[off >>> 2] = u32[(base + P_RETIME_CRC) >>> 2]!;
        if (u32[off >>> 2] !== this.crcAt(off + R_CRC_FROM, off + len)) {
          this.f64[(off + 8) >>> 3] = expiresAt;
          u32[off >>> 2] = crc;
        }
      }
    }
    u32[(base + P_RETIME_AT) >>> 2] = 0;
  }

  touchAccess(off: number, nowSec: number): void {
    this.u32[(off >>> 2) + W_LAST_ACCESS] = nowSec;
  }

  expiresAt(off: number): number {
    return this.f64[(off + 8) >>> 3]!;
  }

  lastAccess(off: number): number {
    return this.u32[(off >>> 2) + W_LAST_ACCESS]!;
  }

  sizeAt(off: number): number {
    const w = off >>> 2;
    return recordSize(this.u32[w + W_KEY_LEN]!, this.u32[w + W_VALUE_LEN]!);
  }

  keyLenAt(off: number): number {
    return this.u32[(off >>> 2) + W_KEY_LEN]!;
  }

  valueLenAt(off: number): number {
    return this.u32[(off >>> 2) + W_VALUE_LEN]!;
  }

  /** Removes expired records of a page (between beginWrite and endWrite); returns the count. */
  purge(page: number, now: number): number {
    const base = this.base(page);
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const slots = (base + PAGE_HEADER_SIZE) >>> 2;
    const start = dataStart(numSlots);
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    let removed = 0;
    for (let i = 0; i < numSlots; i++) {
      const rel = u32[slots + i]!;
      if (rel <= SLOT_TOMBSTONE || !this.inBounds(base, rel, start, freeData)) continue;
      const exp = this.f64[(base + rel + 8) >>> 3]!;
      if (exp === 0 || now < exp) continue;
      u32[slots + i] = SLOT_TOMBSTONE;
      u32[(base + P_TOMBSTONES) >>> 2]! += 1;
      u32[(base + P_ITEMS) >>> 2]! -= 1;
      u32[(base + P_LIVE_BYTES) >>> 2]! -= this.sizeAt(base + rel);
      // Counted one by one: a death later in the sweep leaves these removed, and counted.
      this.add64(base + P_EXPIRED, 1);
      removed++;
      hook('purge:mid');
    }
    return removed;
  }

  /**
   * The largest record of a page, read without a lock (for the sizing advice): the header is
   * read once and bounded, so a torn one cannot make it read outside the page, and a read a
   * write overlapped answers -1 (unknown).
   */
  largestRecord(page: number): number {
    const base = this.base(page);
    const u32 = this.u32;
    // A run a writer was inside (odd) or went through (changed) may have read anything: not a
    // figure to keep, nor one to lower the advice by (LargestRecord).
    const g = this.genIndex(base);
    const gen = Atomics.load(this.i32, g);
    if ((gen & 1) !== 0) return -1;
    const table = this.walkableSlots(base);
    if (table === undefined) return 0;
    const { numSlots, freeData, start, slots } = table;
    let largest = 0;
    for (let i = 0; i < numSlots; i++) {
      const rel = u32[slots + i]!;
      if (rel <= SLOT_TOMBSTONE || rel < start || (rel & 7) !== 0) continue;
      if (rel + RECORD_HEADER_SIZE > freeData) continue;
      // Each length read once: a writer may change them between two reads.
      const w = (base + rel) >>> 2;
      const size = recordSize(u32[w + W_KEY_LEN]!, u32[w + W_VALUE_LEN]!);
      if (rel + size <= freeData + 7 && size > largest) largest = size;
    }
    return Atomics.load(this.i32, g) === gen ? largest : -1;
  }

  /** Empties a page, keeping its counters (between beginWrite and endWrite). */
  clearPage(page: number): void {
    this.compactor.emptyPage(page);
  }

  /** Whether the record at `rel` lies inside the page's data (lengths included). */
  inBounds(base: number, rel: number, start: number, freeData: number): boolean {
    if (rel < start || (rel & 7) !== 0 || rel + RECORD_HEADER_SIZE > freeData) return false;
    const w = (base + rel) >>> 2;
    return (
      rel + RECORD_HEADER_SIZE + this.u32[w + W_KEY_LEN]! + this.u32[w + W_VALUE_LEN]! <= freeData
    );
  }

  // ---- counters ------------------------------------------------------------------------------

  /** Adds to a u64 counter kept as lo/hi u32 words (under the page lock). */
  add64(at: number, n: number): void {
    const w = at >>> 2;
    const lo = this.u32[w]! + n;
    if (lo > 0xffffffff) {
      this.u32[w] = lo - 0x100000000;
      this.u32[w + 1]! += 1;
    } else {
      this.u32[w] = lo;
    }
  }

  /** Lock-free counter bump for hits and misses, from any process. */
  countRead(base: number, hit: boolean): void {
    const w = (base + (hit ? P_HITS : P_MISSES)) >>> 2;
    if (Atomics.add(this.i32, w, 1) === -1) Atomics.add(this.i32, w + 1, 1);
  }

  read64(at: number): number {
    const w = at >>> 2;
    return this.u32[w]! + this.u32[w + 1]! * 0x100000000;
  }

  /**
   * Whether the page's header fails the checks a writer makes before it trusts the page (random
   * bytes over it, say): its counters are garbage too. Lock-free, so a check that a writer
   * overlapped is tried again; one that keeps failing (a writer died mid-write) is reported.
   */
  headerDamaged(page: number): boolean {
    const base = this.base(page);
    const g = this.genIndex(base);
    for (let attempt = 0; attempt < 3; attempt++) {
      const gen = Atomics.load(this.i32, g);
      if (this.headerSane(base, page)) return false;
      if ((gen & 1) === 0 && Atomics.load(this.i32, g) === gen) return true;
    }
    return true;
  }

  /**
   * The counters and fill of a page, read without the lock (numbers may be a moment stale); all
   * zero, and `damaged`, when its header is garbage.
   */
  pageCounters(page: number): PageCounters {
    if (this.headerDamaged(page)) return DAMAGED_PAGE_COUNTERS;
    const base = this.base(page);
    const numSlots = this.u32[(base + P_NUM_SLOTS) >>> 2]!;
    return {
      items: this.u32[(base + P_ITEMS) >>> 2]!,
      bytesUsed: this.u32[(base + P_LIVE_BYTES) >>> 2]!,
      capacity:
        this.pageSize - dataStart(Math.min(Math.max(numSlots, this.minSlots), this.maxSlots)),
      hits: this.read64(base + P_HITS),
      misses: this.read64(base + P_MISSES),
      sets: this.read64(base + P_SETS),
      deletes: this.read64(base + P_DELETES),
      expiredRemovals: this.read64(base + P_EXPIRED),
      evictions: this.read64(base + P_EVICTIONS),
      evictionsUnexpired: this.read64(base + P_EVICTIONS_UNEXPIRED),
      repairedPages: this.read64(base + P_REPAIRS),
      droppedCorruptRecords: this.read64(base + P_DROPPED),
      damaged: false,
    };
  }
}

/** A page's slot table as walkableSlots() read it. */
export interface SlotTable {
  numSlots: number;
  /** Where the page's free data starts: records end before it. */
  freeData: number;
  /** Where records start, after the slot table. */
  start: number;
  /** The u32 index of slot 0. */
  slots: number;
}

export interface PageCounters {
  items: number;
  bytesUsed: number;
  capacity: number;
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  expiredRemovals: number;
  evictions: number;
  evictionsUnexpired: number;
  repairedPages: number;
  droppedCorruptRecords: number;
  /** The header is garbage (see headerDamaged): every count above is 0, not what it holds. */
  damaged: boolean;
}

/** The counters that add up over pages (what stats() sums). */
export type PageCounts = Omit<PageCounters, 'capacity' | 'damaged'>;

/** Every summed counter at 0. */
export const NO_COUNTS: Readonly<PageCounts> = Object.freeze({
  items: 0,
  bytesUsed: 0,
  hits: 0,
  misses: 0,
  sets: 0,
  deletes: 0,
  expiredRemovals: 0,
  evictions: 0,
  evictionsUnexpired: 0,
  repairedPages: 0,
  droppedCorruptRecords: 0,
});

const DAMAGED_PAGE_COUNTERS: PageCounters = Object.freeze({
  ...NO_COUNTS,
  capacity: 0,
  damaged: true,
});
