import { copyPlainTree, NOT_PLAIN, plainClone } from './plain-clone.js';

/** A slot's value state: this record version was read once, not kept (yet). */
const SEEN: unique symbol = Symbol('seen once');
/** A slot's value state: this version is not kept (not plain data, too large, budget full). */
const DECODE: unique symbol = Symbol('always decode');

const KEEP_CHECK = 256;
const MIN_HITS_PER_KEEP = 4;
/** Reads that skip the memo altogether (no bookkeeping either) after a poor verdict. */
const PAUSE_READS = 16 * KEEP_CHECK;
/** Pauses double while verdicts stay poor (a working set that will not fit), up to this. */
const MAX_PAUSE_READS = 1024 * PAUSE_READS;

/**
 * Decodes the value bytes `source[start, end)`: a private copy of them, or (for a read that
 * keeps nothing) the file itself.
 */
export type Decode = (source: Buffer, start: number, end: number) => unknown;

/**
 * Per-process memory of decoded values, so that reading an unchanged record again costs a
 * byte comparison and a plain deep copy instead of a decode (~1 µs instead of ~4 µs for a
 * 1 KiB session).
 *
 * A table indexed by the key's hash, two slots per key (see #slotFor). A slot remembers one
 * record version (key, checksum word, length): the first read of a version stores only those,
 * allocating nothing, so a key read once between writes (a counter bumped by every request) or
 * a working set far larger than the table costs next to nothing. The second read keeps a
 * private copy of the bytes and the value decoded from that copy; a key whose previous version
 * was kept gets its new version kept on the first read. Another key reaching a slot whose kept
 * value was hit since the last such visit, in both of the key's slots, leaves it there (a
 * second chance, as in CLOCK). A kept value is handed out only as a fresh copy, and only when
 * the record's bytes in the file equal the kept bytes, so a change by any process is seen at
 * once and a torn read can at worst miss. Kept bytes are bounded by `budget`.
 */
export class DecodedMemo {
  readonly #mask: number;
  readonly #keys: (string | undefined)[];
  readonly #crcs: Int32Array;
  readonly #lengths: Int32Array;
  readonly #bytes: (Buffer | undefined)[];
  /** SEEN, DECODE or the kept value. */
  readonly #values: unknown[];
  /** Second-chance bit of a slot: set by a read of its key, cleared by another key passing by. */
  readonly #used: Uint8Array;
  /** Hits of each kept value so far (capped): tallied when it is dropped. */
  readonly #hitsOf: Uint8Array;
  readonly #budget: number;
  #kept = 0;
  /** Since the last check: keeps, hits, and kept values dropped with few hits. */
  #keeps = 0;
  #hits = 0;
  #wasted = 0;
  /** Reads left in a pause, and the length of the next one. */
  #pausedReads = 0;
  #nextPause = PAUSE_READS;

  constructor(budget: number) {
    let slots = 64;
    while (slots < budget / 1024 && slots < 1 << 20) slots *= 2; // one slot per KiB of budget
    this.#mask = slots - 1;
    this.#keys = new Array<string | undefined>(slots).fill(undefined);
    this.#crcs = new Int32Array(slots);
    this.#lengths = new Int32Array(slots);
    this.#bytes = new Array<Buffer | undefined>(slots).fill(undefined);
    this.#values = new Array<unknown>(slots).fill(SEEN);
    this.#used = new Uint8Array(slots);
    this.#hitsOf = new Uint8Array(slots);
    this.#budget = budget;
  }

  /**
   * The value of `key`'s record whose value bytes are `source[start, end)` and whose checksum
   * word is `crc`: a copy of a kept value, or `decode` of the bytes.
   */
  value(
    hash: number,
    key: string,
    crc: number,
    source: Buffer,
    start: number,
    end: number,
    decode: Decode,
  ): unknown {
    if (this.#pausedReads > 0) {
      this.#pausedReads--;
      return decode(source, start, end);
    }
    const i = this.#slotFor(hash, key);
    const length = end - start;
    const sameKey = this.#keys[i] === key;
    if (sameKey && this.#crcs[i] === crc && this.#lengths[i] === length) {
      const kept = this.#values[i];
      if (kept === DECODE) return decode(source, start, end);
      if (kept !== SEEN) {
        const bytes = this.#bytes[i] as Buffer;
        if (source.compare(bytes, 0, length, start, end) === 0) {
          this.#used[i] = 1;
          this.#hits++;
          if (this.#hitsOf[i]! < 255) this.#hitsOf[i]!++;
          return copyPlainTree(kept);
        }
        // Same checksum and length, other bytes (damage): decode, keep nothing.
        return decode(source, start, end);
      }
      return this.#keep(i, source, start, end, decode); // the second read of this version
    }
    const current = this.#values[i];
    if (!sameKey && current !== SEEN && current !== DECODE && this.#used[i] === 1) {
      // Another key's kept value, hit since the last visitor: it stays, this read decodes.
      // Without this, keys sharing a slot would evict each other's kept values in turn.
      this.#used[i] = 0;
      return decode(source, start, end);
    }
    const readAgain = sameKey && current !== SEEN;
    this.#forget(i);
    // The slot's own string when it is the same key: storing each read's new (equal) string
    // would hand the garbage collector one more long-lived string per read.
    if (!sameKey) this.#keys[i] = key;
    this.#crcs[i] = crc;
    this.#lengths[i] = length;
    this.#used[i] = 1;
    if (readAgain) return this.#keep(i, source, start, end, decode);
    return decode(source, start, end);
  }

  /**
   * Two slots per key (a pair): the one holding the key, else the one to give it: one not used
   * since another key last passed by (a read marks its slot used), else the first, after taking
   * the partner's mark away (a second chance, as in CLOCK). With one slot per key, two keys
   * sharing it pushed each other out before either was read twice: a fifth of a working set a
   * quarter of the table's size was decoded on every read.
   */
  #slotFor(hash: number, key: string): number {
    const i = (Math.imul(hash, 0x9e3779b1) >>> 12) & this.#mask; // other bits than the page's
    const keys = this.#keys;
    if (keys[i] === key) return i;
    const j = i ^ 1;
    if (keys[j] === key) return j;
    const used = this.#used;
    if (used[i] === 0) return i;
    if (used[j] === 0) return j;
    used[j] = 0;
    return i;
  }

  clear(): void {
    for (let i = 0; i <= this.#mask; i++) {
      this.#forget(i);
      this.#keys[i] = undefined;
    }
  }

  #keep(i: number, source: Buffer, start: number, end: number, decode: Decode): unknown {
    const length = end - start;
    if (this.#paused()) return decode(source, start, end);
    // A few large values must not take the whole budget.
    if (length > this.#budget >>> 4 || this.#kept + length > this.#budget) {
      this.#values[i] = DECODE;
      return decode(source, start, end);
    }
    // Decoded from a private copy: the kept value always matches the kept bytes, even if a
    // writer changed the file during the read (the caller then throws the result away).
    const bytes = Buffer.from(source.subarray(start, end));
    const value = decode(bytes, 0, length);
    const kept = plainClone(value);
    if (kept === NOT_PLAIN) {
      this.#values[i] = DECODE;
      return value;
    }
    this.#values[i] = kept;
    this.#keeps++;
    this.#used[i] = 1;
    this.#hitsOf[i] = 0;
    this.#bytes[i] = bytes;
    this.#kept += bytes.length;
    return value;
  }

  /**
   * Keeping pays when a kept value is read again several times. With more hot keys than the
   * table holds, kept values are pushed out before that, and each keep (a copy, a clone, old
   * objects for the garbage collector) makes reads slower than plain decoding. Every
   * KEEP_CHECK keeps, if there were fewer than MIN_HITS_PER_KEEP hits per keep and more than
   * half as many kept values were dropped (a new version, another key) with fewer hits than
   * that, the memo is skipped altogether for a while, longer each time in a row. Values still
   * kept are not held against it, so a working set that fits warms up at once, however many
   * keys it keeps before its first hit.
   */
  #paused(): boolean {
    if (this.#keeps < KEEP_CHECK) return false;
    const poor = this.#wasted * 2 > this.#keeps && this.#hits < this.#keeps * MIN_HITS_PER_KEEP;
    this.#keeps = 0;
    this.#hits = 0;
    this.#wasted = 0;
    if (poor) {
      this.#pausedReads = this.#nextPause;
      this.#nextPause = Math.min(this.#nextPause * 2, MAX_PAUSE_READS);
    } else {
      this.#nextPause = PAUSE_READS;
    }
    return poor;
  }

  #forget(i: number): void {
    const bytes = this.#bytes[i];
    if (bytes !== undefined) {
      this.#kept -= bytes.length;
      if (this.#hitsOf[i]! < MIN_HITS_PER_KEEP) this.#wasted++;
    }
    this.#bytes[i] = undefined;
    this.#values[i] = SEEN;
  }
}
