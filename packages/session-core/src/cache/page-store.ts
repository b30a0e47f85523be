import { crc32 } from 'node:zlib';
import { initPageImage } from './file.js';
import { KEY_HASH_SEED, murmur3, slotHash } from './hash.js';
import {
  dataStart,
  H_SPARES,
  HEADER_SIZE,
  initialSlots,
  maxSlots,
  minSlots,
  P_COPY_FROM,
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
  P_SETS,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  PAGE_MAGIC,
  R_CRC_FROM,
  RECORD_HEADER_SIZE,
  recordSize,
  SLOT_EMPTY,
  SLOT_TOMBSTONE,
  SPARE_DESC_SIZE,
} from './layout.js';
import { type CrashPoint, crashPoint, TEST_HOOKS } from './test-hooks.js';

/** `find` results that are not record offsets. */
export const NOT_FOUND = -1;
/** The page structure is inconsistent (torn or corrupt): lock and repair, or retry. */
export const BROKEN = -2;

/** Word indexes inside a record (record offsets are 8-aligned, so offset >> 2 is exact). */
const W_CRC = 0;
const W_LAST_ACCESS = 1;
const W_HASH = 4;
const W_KEY_LEN = 5;
const W_VALUE_LEN = 6;
const W_FLAGS = 7;

/** Entries of the memo of verified records: about one per KiB of file, within these bounds. */
const MEMO_MIN_BITS = 12;
const MEMO_MAX_BITS = 18;

/** Slots are kept at most 3/4 full (items + tombstones), and sized for 1/2 after compaction. */
const MAX_LOAD = 0.75;
/** Compaction evicts only when the survivors would fill more than this share of the data area... */
const EVICT_ABOVE = 0.9;
/** ...and then evicts least recently used records until they fill at most this share. */
const EVICT_DOWN_TO = 0.75;

export interface PageCheck {
  items: number;
  badRecords: number;
  /** The write-in-progress marker is set (a writer died, or one is active right now). */
  torn: boolean;
  /** The page header itself is not sane. */
  badHeader: boolean;
  /** The header's item, tombstone and byte counts match the slot table. */
  countsOk: boolean;
}

/** What a write changed, for the caller's pressure accounting. */
export interface WriteEffects {
  evictedUnexpired: number;
}

function hook(name: CrashPoint): void {
  if (TEST_HOOKS) crashPoint(name);
}

/**
 * The page format and every operation on it. Mutating methods must be called with the page's
 * stripe lock held; `find`/`copyRecord` are also safe without it (seqlock readers), because
 * they bound-check everything they read.
 */
export class PageStore {
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  private readonly minSlots: number;
  private readonly maxSlots: number;
  private readonly initialSlots: number;
  /** Compaction builds the new page here before it goes to the spare page, then into place. */
  private readonly image: Buffer;
  private readonly imageU32: Uint32Array;
  /** Copies of records read from the mapping (checked and decoded from here, never in place). */
  readonly scratch: Buffer;
  readonly scratchU32: Uint32Array;
  readonly scratchF64: Float64Array;
  /** Per-compaction work arrays, allocated once. */
  private readonly rels: Uint32Array;
  private readonly order: Float64Array;
  private readonly dropped: Uint8Array;
  /** Direct-mapped memo of records whose checksum this instance has verified (offset, crc). */
  private readonly verifiedAt: Int32Array;
  private readonly verifiedCrc: Int32Array;
  private readonly memoShift: number;
  /** An aligned copy of a key found in the mapping, for `check`. */
  private readonly checkKey = Buffer.alloc(RECORD_HEADER_SIZE + 4096);
  private readonly checkKeyWords = new Uint32Array(
    this.checkKey.buffer,
    this.checkKey.byteOffset,
    this.checkKey.length >>> 2,
  );
  /** Set by `find`: the slot index of the match, or the first slot a new key may use. */
  foundSlot = -1;
  insertSlot = -1;

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
    this.image = Buffer.allocUnsafeSlow(pageSize);
    this.imageU32 = new Uint32Array(this.image.buffer, this.image.byteOffset, pageSize >>> 2);
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
    this.verifiedAt = new Int32Array(2 ** memoBits).fill(-1);
    this.verifiedCrc = new Int32Array(2 ** memoBits);
    this.memoShift = 32 - memoBits;
    this.rels = new Uint32Array(this.maxSlots);
    this.order = new Float64Array(this.maxSlots + 1);
    this.dropped = new Uint8Array(this.maxSlots);
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
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    if (numSlots < this.minSlots || numSlots > this.maxSlots || (numSlots & (numSlots - 1)) !== 0)
      return BROKEN;
    const start = dataStart(numSlots);
    if (freeData < start || freeData > this.pageSize) return BROKEN;
    const map = this.map;
    const mask = numSlots - 1;
    const slots = (base + PAGE_HEADER_SIZE) >>> 2;
    let i = slotHash(hash) & mask;
    let firstFree = -1;
    this.foundSlot = -1;
    for (let n = 0; n < numSlots; n++, i = (i + 1) & mask) {
      const rel = u32[slots + i]!;
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
    const memo = Math.imul(off >>> 3, 0x9e3779b1) >>> this.memoShift;
    if (this.verifiedAt[memo] === off && this.verifiedCrc[memo] === word) return true;
    if (word >>> 0 !== crc32(this.map.subarray(off + R_CRC_FROM, off + len))) return false;
    this.verifiedAt[memo] = off;
    this.verifiedCrc[memo] = word;
    return true;
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

  /** Checks the CRC of the record copied into `scratch`. */
  scratchCrcOk(len: number): boolean {
    return this.scratchU32[W_CRC] === crc32(this.scratch.subarray(R_CRC_FROM, len));
  }

  /** Checks a record in place (under the lock): bounds, CRC, and that its key belongs here. */
  recordOk(base: number, page: number, rel: number, start: number, freeData: number): boolean {
    if (rel < start || (rel & 7) !== 0 || rel + RECORD_HEADER_SIZE > freeData) return false;
    const w = (base + rel) >>> 2;
    const klen = this.u32[w + W_KEY_LEN]!;
    const vlen = this.u32[w + W_VALUE_LEN]!;
    const end = rel + RECORD_HEADER_SIZE + klen + vlen;
    if (klen === 0 || end > freeData) return false;
    const off = base + rel;
    if (
      this.u32[w + W_CRC] !==
      crc32(this.map.subarray(off + R_CRC_FROM, off + RECORD_HEADER_SIZE + klen + vlen))
    ) {
      return false;
    }
    const hash = murmur3(this.map, off + RECORD_HEADER_SIZE, klen, KEY_HASH_SEED);
    return hash === this.u32[w + W_HASH] && hash % this.numPages === page;
  }

  // ---- page-level checks ------------------------------------------------------------------

  /** Cheap structural check of a page header (run on every lock, and before lock-free reads). */
  headerSane(base: number, page: number): boolean {
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    return (
      u32[(base + P_MAGIC) >>> 2] === PAGE_MAGIC &&
      u32[(base + P_INDEX) >>> 2] === page &&
      numSlots >= this.minSlots &&
      numSlots <= this.maxSlots &&
      (numSlots & (numSlots - 1)) === 0 &&
      freeData >= dataStart(numSlots) &&
      freeData <= this.pageSize &&
      u32[(base + P_ITEMS) >>> 2]! + u32[(base + P_TOMBSTONES) >>> 2]! <= numSlots
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
    const redone = this.pendingSpare(stripe) >= 0 && this.redoSpare(stripe) === page;
    const gen = Atomics.load(this.i32, g);
    if ((gen & 1) === 0 && this.headerSane(base, page)) return redone;
    if ((gen & 1) === 0) Atomics.add(this.i32, g, 1);
    if (this.headerSane(base, page)) {
      this.compact(page, 0, -1, now, true);
    } else {
      this.reinitPage(page);
    }
    this.add64(base + P_REPAIRS, 1);
    Atomics.add(this.i32, g, 1);
    return true;
  }

  /** Rebuilds a page whose slots or records are inconsistent (stripe lock held). */
  repairPage(page: number, now: number): void {
    const base = this.base(page);
    this.beginWrite(base);
    this.compact(page, 0, -1, now, true);
    this.add64(base + P_REPAIRS, 1);
    this.endWrite(base);
  }

  /** A page whose header is garbage cannot be walked: start it over (its records are lost). */
  private reinitPage(page: number): void {
    const base = this.base(page);
    initPageImage(this.image, 0, this.pageSize, page);
    this.u32[(base + P_MAGIC) >>> 2] = PAGE_MAGIC;
    this.u32[(base + P_INDEX) >>> 2] = page;
    this.commitImage(page, dataStart(this.initialSlots));
  }

  /** Deep read-only check of one page (call under its lock). */
  check(page: number): PageCheck {
    const base = this.base(page);
    const torn = (Atomics.load(this.i32, this.genIndex(base)) & 1) === 1;
    if (!this.headerSane(base, page))
      return { items: 0, badRecords: 0, torn, badHeader: true, countsOk: false };
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    const start = dataStart(numSlots);
    const slots = (base + PAGE_HEADER_SIZE) >>> 2;
    let items = 0;
    let tombstones = 0;
    let badRecords = 0;
    let liveBytes = 0;
    for (let i = 0; i < numSlots; i++) {
      const rel = u32[slots + i]!;
      if (rel === SLOT_EMPTY) continue;
      if (rel === SLOT_TOMBSTONE) {
        tombstones++;
        continue;
      }
      if (!this.recordOk(base, page, rel, start, freeData)) {
        badRecords++;
        continue;
      }
      const w = (base + rel) >>> 2;
      const klen = u32[w + W_KEY_LEN]!;
      // The record must be reachable by probing from its key's start slot.
      const keyAt = base + rel + RECORD_HEADER_SIZE;
      this.map.copy(this.checkKey, 0, keyAt, keyAt + klen);
      if (
        this.find(base, this.checkKey, this.checkKeyWords, klen, u32[w + W_HASH]!) !==
        base + rel
      ) {
        badRecords++;
        continue;
      }
      items++;
      liveBytes += recordSize(klen, u32[w + W_VALUE_LEN]!);
    }
    const counted =
      items + badRecords === u32[(base + P_ITEMS) >>> 2] &&
      tombstones === u32[(base + P_TOMBSTONES) >>> 2] &&
      (badRecords > 0 || liveBytes === u32[(base + P_LIVE_BYTES) >>> 2]);
    return { items, badRecords, torn, badHeader: false, countsOk: counted };
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
    effects: WriteEffects,
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
          used + 1 > numSlots * MAX_LOAD);
    }
    if (compactNow) {
      // The old record of this key survives compaction (a death before the new one is written
      // must leave the old value), but it is never evicted for its own replacement.
      effects.evictedUnexpired += this.compact(
        page,
        need,
        found < 0 ? -1 : found - base,
        now,
        false,
      );
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
    const map = this.map;
    const keyAt = off + RECORD_HEADER_SIZE;
    for (let j = 0; j < klen; j++) map[keyAt + j] = key[j]!; // keys are short: a loop beats a copy call
    hook('write:mid-record');
    this.map.set(value, off + RECORD_HEADER_SIZE + klen);
    // The checksum goes last: a record without a valid one is not a record.
    u32[w + W_CRC] = crc32(
      this.map.subarray(off + R_CRC_FROM, off + RECORD_HEADER_SIZE + klen + vlen),
    );
    u32[(base + P_FREE_DATA) >>> 2] = freeData + need;
    hook('write:before-commit');
    const slotWord = (base + PAGE_HEADER_SIZE) >>> 2;
    if (found >= 0) {
      const oldSize = this.sizeAt(found);
      u32[slotWord + this.foundSlot] = freeData;
      u32[(base + P_LIVE_BYTES) >>> 2] = u32[(base + P_LIVE_BYTES) >>> 2]! - oldSize + need;
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
  }

  /** Rewrites the expiry of the record at `off` in place and re-seals it. */
  retime(off: number, expiresAt: number, now: number): void {
    const w = off >>> 2;
    const klen = this.u32[w + W_KEY_LEN]!;
    const vlen = this.u32[w + W_VALUE_LEN]!;
    this.f64[(off + 8) >>> 3] = expiresAt;
    this.u32[w + W_LAST_ACCESS] = Math.floor(now / 1000);
    this.u32[w + W_CRC] = crc32(
      this.map.subarray(off + R_CRC_FROM, off + RECORD_HEADER_SIZE + klen + vlen),
    );
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
      removed++;
    }
    if (removed > 0) this.add64(base + P_EXPIRED, removed);
    return removed;
  }

  /** Empties a page, keeping its counters (between beginWrite and endWrite). */
  clearPage(page: number): void {
    const base = this.base(page);
    const slots = this.initialSlots;
    this.map.fill(0, base + PAGE_HEADER_SIZE, base + dataStart(slots));
    const u32 = this.u32;
    u32[(base + P_NUM_SLOTS) >>> 2] = slots;
    u32[(base + P_ITEMS) >>> 2] = 0;
    u32[(base + P_TOMBSTONES) >>> 2] = 0;
    u32[(base + P_LIVE_BYTES) >>> 2] = 0;
    u32[(base + P_FREE_DATA) >>> 2] = dataStart(slots);
  }

  /** Calls `fn(offset)` for every live record of a page in bounds (expired ones included). */
  forEachRecord(page: number, fn: (off: number) => void): void {
    const base = this.base(page);
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const start = dataStart(numSlots);
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    const slots = (base + PAGE_HEADER_SIZE) >>> 2;
    for (let i = 0; i < numSlots; i++) {
      const rel = u32[slots + i]!;
      if (rel > SLOT_TOMBSTONE && this.inBounds(base, rel, start, freeData)) fn(base + rel);
    }
  }

  // ---- compaction ----------------------------------------------------------------------------

  /**
   * Rebuilds a page without garbage and expired records, evicting least recently used records
   * if the survivors plus `need` bytes would not leave enough room. `keepRel` (the record being
   * replaced) is evicted last, and only if the new record cannot fit beside it. With
   * `validate`, records failing their checks are dropped and counted. The new image goes to the
   * stripe's spare page first, so a death while it is copied into place can be redone.
   * Returns the number of unexpired records evicted.
   */
  compact(page: number, need: number, keepRel: number, now: number, validate: boolean): number {
    const base = this.base(page);
    const u32 = this.u32;
    const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
    const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
    const start = dataStart(numSlots);
    const slots = (base + PAGE_HEADER_SIZE) >>> 2;
    const rels = this.rels;
    let found = 0;
    let bad = 0;
    for (let i = 0; i < numSlots; i++) {
      const rel = u32[slots + i]!;
      if (rel <= SLOT_TOMBSTONE) continue;
      if (
        validate
          ? !this.recordOk(base, page, rel, start, freeData)
          : !this.inBounds(base, rel, start, freeData)
      ) {
        bad++;
        continue;
      }
      rels[found++] = rel;
    }
    // Keep the surviving records in their current order (oldest writes first); a damaged slot
    // table may point twice at one record: keep it once.
    rels.subarray(0, found).sort();
    let kept = 0;
    let keptBytes = 0;
    let expired = 0;
    for (let j = 0; j < found; j++) {
      const rel = rels[j]!;
      if (kept > 0 && rels[kept - 1] === rel) continue;
      const exp = this.f64[(base + rel + 8) >>> 3]!;
      if (exp !== 0 && now >= exp) {
        expired++;
        continue;
      }
      rels[kept++] = rel;
      keptBytes += this.sizeAt(base + rel);
    }
    let slotCount = this.slotsFor(kept, keptBytes, need);
    let evicted = 0;
    const capacity = (s: number) => this.pageSize - dataStart(s);
    if (
      keptBytes + need > capacity(slotCount) * EVICT_ABOVE ||
      (need > 0 && kept + 1 > slotCount * MAX_LOAD)
    ) {
      const order = this.order;
      const dropped = this.dropped;
      dropped.fill(0, 0, kept);
      let keepIdx = -1;
      for (let j = 0; j < kept; j++) {
        if (rels[j] === keepRel) keepIdx = j;
        order[j] = u32[((base + rels[j]!) >>> 2) + W_LAST_ACCESS]! * 2 ** 21 + j;
      }
      order.subarray(0, kept).sort();
      if (keepIdx >= 0) order[kept] = keepIdx; // the record being replaced goes last
      let survivors = kept;
      for (let j = 0; j <= kept; j++) {
        slotCount = this.slotsFor(survivors, keptBytes, need);
        const cap = capacity(slotCount);
        // A record over half a page evicts only what it needs (otherwise it would empty the page).
        const roomy =
          keptBytes + need <= cap * EVICT_DOWN_TO || (need > cap / 2 && keptBytes + need <= cap);
        const fits = roomy && survivors + 1 <= slotCount * MAX_LOAD;
        if (fits) break;
        if (j === kept && keepIdx < 0) break;
        const victim = order[j]! % 2 ** 21;
        if (victim === keepIdx && j < kept) continue;
        dropped[victim] = 1;
        keptBytes -= this.sizeAt(base + rels[victim]!);
        survivors--;
        if (victim !== keepIdx) evicted++; // replacing a value is not losing it
      }
      slotCount = this.slotsFor(survivors, keptBytes, need);
      if (survivors < kept) {
        let k = 0;
        for (let j = 0; j < kept; j++) if (dropped[j] === 0) rels[k++] = rels[j]!;
        kept = k;
      }
    }
    // Build the new page image.
    const image = this.image;
    const img = this.imageU32;
    this.map.copy(image, P_COPY_FROM, base + P_COPY_FROM, base + PAGE_HEADER_SIZE);
    image.fill(0, PAGE_HEADER_SIZE, dataStart(slotCount));
    const mask = slotCount - 1;
    let pos = dataStart(slotCount);
    for (let j = 0; j < kept; j++) {
      const off = base + rels[j]!;
      const len = this.sizeAt(off);
      this.map.copy(image, pos, off, off + len);
      let i = slotHash(u32[(off >>> 2) + W_HASH]!) & mask;
      while (img[(PAGE_HEADER_SIZE >>> 2) + i] !== SLOT_EMPTY) i = (i + 1) & mask;
      img[(PAGE_HEADER_SIZE >>> 2) + i] = pos;
      pos += len;
    }
    img[P_NUM_SLOTS >>> 2] = slotCount;
    img[P_ITEMS >>> 2] = kept;
    img[P_TOMBSTONES >>> 2] = 0;
    img[P_FREE_DATA >>> 2] = pos;
    img[P_LIVE_BYTES >>> 2] = pos - dataStart(slotCount);
    addImage64(img, P_EXPIRED, expired);
    addImage64(img, P_EVICTIONS, expired * (need > 0 ? 1 : 0) + evicted);
    addImage64(img, P_EVICTIONS_UNEXPIRED, evicted);
    addImage64(img, P_DROPPED, bad);
    this.commitImage(page, pos);
    return evicted;
  }

  private inBounds(base: number, rel: number, start: number, freeData: number): boolean {
    if (rel < start || (rel & 7) !== 0 || rel + RECORD_HEADER_SIZE > freeData) return false;
    const w = (base + rel) >>> 2;
    return (
      rel + RECORD_HEADER_SIZE + this.u32[w + W_KEY_LEN]! + this.u32[w + W_VALUE_LEN]! <= freeData
    );
  }

  /** Slot table size for `kept` records: half full, shrunk if the table itself costs the room. */
  private slotsFor(kept: number, keptBytes: number, need: number): number {
    let s = Math.max(this.initialSlots, 2 ** Math.ceil(Math.log2(Math.max(1, (kept + 1) * 2))));
    s = Math.min(s, this.maxSlots);
    while (
      s > this.minSlots &&
      kept + 1 <= (s / 2) * MAX_LOAD &&
      dataStart(s) + keptBytes + need > this.pageSize
    )
      s /= 2;
    return s;
  }

  // ---- spare pages: redo log for compaction --------------------------------------------------

  private spareDesc(stripe: number): number {
    return (H_SPARES + stripe * SPARE_DESC_SIZE) >>> 2;
  }

  private spareBase(stripe: number): number {
    return HEADER_SIZE + (this.numPages + stripe) * this.pageSize;
  }

  /** The page a dead compaction left pending in this stripe's spare, or -1. */
  pendingSpare(stripe: number): number {
    const d = this.spareDesc(stripe);
    return Atomics.load(this.i32, d) === 1 ? this.u32[d + 1]! : -1;
  }

  /**
   * A process died while copying a compacted image into its page: copy it again from the spare,
   * close the page's write marker and count the repair (stripe lock held). Returns the page.
   */
  private redoSpare(stripe: number): number {
    const d = this.spareDesc(stripe);
    const page = this.u32[d + 1]!;
    const len = this.u32[d + 2]!;
    const valid =
      page < this.numPages &&
      page % this.stripes === stripe &&
      len > P_COPY_FROM &&
      len <= this.pageSize;
    // A pending image always belongs to a page whose write marker is still set; anything
    // else is a stale or damaged descriptor, and copying it would destroy a healthy page.
    if (!valid || (Atomics.load(this.i32, this.genIndex(this.base(page))) & 1) === 0) {
      Atomics.store(this.i32, d, 0);
      return -1;
    }
    const base = this.base(page);
    const g = this.genIndex(base);
    const from = this.spareBase(stripe);
    this.map.copy(this.map, base + P_COPY_FROM, from + P_COPY_FROM, from + len);
    hook('repair:mid');
    Atomics.store(this.i32, d, 0);
    this.add64(base + P_REPAIRS, 1);
    Atomics.add(this.i32, g, 1);
    return page;
  }

  /** Writes `image[P_COPY_FROM, len)` into the page through the stripe's spare page. */
  private commitImage(page: number, len: number): void {
    const stripe = page % this.stripes;
    const d = this.spareDesc(stripe);
    const spare = this.spareBase(stripe);
    this.image.copy(this.map, spare + P_COPY_FROM, P_COPY_FROM, len);
    this.u32[d + 1] = page;
    this.u32[d + 2] = len;
    Atomics.store(this.i32, d, 1);
    hook('compact:after-spare');
    const base = this.base(page);
    const half = (len + P_COPY_FROM) >>> 1;
    this.image.copy(this.map, base + P_COPY_FROM, P_COPY_FROM, half);
    hook('compact:mid');
    this.image.copy(this.map, base + half, half, len);
    hook('compact:before-commit');
    Atomics.store(this.i32, d, 0);
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

  /** The counters and fill of a page, read without the lock (numbers may be a moment stale). */
  pageCounters(page: number): PageCounters {
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
    };
  }
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
}

function addImage64(img: Uint32Array, at: number, n: number): void {
  if (n === 0) return;
  const w = at >>> 2;
  const lo = img[w]! + n;
  if (lo > 0xffffffff) {
    img[w] = lo - 0x100000000;
    img[w + 1]! += 1;
  } else {
    img[w] = lo;
  }
}
