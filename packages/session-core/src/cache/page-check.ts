import { slotHash } from './hash.js';
import {
  dataStart,
  P_FREE_DATA,
  P_ITEMS,
  P_LIVE_BYTES,
  P_NUM_SLOTS,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  RECORD_HEADER_SIZE,
  recordSize,
  SLOT_EMPTY,
  SLOT_TOMBSTONE,
  W_HASH,
  W_KEY_LEN,
  W_VALUE_LEN,
} from './layout.js';
import type { PageStore } from './page-store.js';

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

/** A page's slot table, counted: what its header's counts must say. */
export interface SlotTally {
  /** Slots that point at a record lying inside the page's data. */
  records: number;
  /** Slots that point anywhere else (damage): such a slot's record has no size to count. */
  strays: number;
  tombstones: number;
  /** Bytes of those records, padded as writes and compaction count them. */
  liveBytes: number;
}

/**
 * Deep read-only check of one page (call under its lock): the header, every record the slot
 * table points to (bounds, CRC, hash, page, reachable by probing), and the header's counts.
 * With `trustVerified`, records this instance verified are not hashed again (purge's check).
 */
export function checkPage(store: PageStore, page: number, trustVerified = false): PageCheck {
  const base = store.base(page);
  const torn = (Atomics.load(store.i32, store.genIndex(base)) & 1) === 1;
  if (!store.headerSane(base, page))
    return { items: 0, badRecords: 0, torn, badHeader: true, countsOk: false };
  const u32 = store.u32;
  const numSlots = u32[(base + P_NUM_SLOTS) >>> 2]!;
  const freeData = u32[(base + P_FREE_DATA) >>> 2]!;
  const start = dataStart(numSlots);
  const slots = (base + PAGE_HEADER_SIZE) >>> 2;
  let items = 0;
  let badRecords = 0;
  for (let i = 0; i < numSlots; i++) {
    const rel = u32[slots + i]!;
    if (rel <= SLOT_TOMBSTONE) continue;
    if (
      store.recordOk(base, page, rel, start, freeData, trustVerified) &&
      reachable(store, base, i, numSlots, freeData)
    ) {
      items++;
    } else {
      badRecords++;
    }
  }
  const countsOk = countsMatch(store, base, tallySlots(store, base));
  return { items, badRecords, torn, badHeader: false, countsOk };
}

/**
 * Whether find() for the key of the (sound) record in slot i stops at slot i: its probe path
 * from the key's start slot meets no empty slot, no slot find() calls broken, and no other slot
 * of that key first (a duplicate: a damaged table). The path is walked, not searched with the
 * key: a purge checks every record, and keys of other records are compared only on a hash match.
 */
function reachable(
  store: PageStore,
  base: number,
  i: number,
  numSlots: number,
  freeData: number,
): boolean {
  const u32 = store.u32;
  const slots = (base + PAGE_HEADER_SIZE) >>> 2;
  const start = dataStart(numSlots);
  const rel = u32[slots + i]!;
  const hash = u32[((base + rel) >>> 2) + W_HASH]!;
  const klen = u32[((base + rel) >>> 2) + W_KEY_LEN]!;
  const mask = numSlots - 1;
  for (let j = slotHash(hash) & mask; j !== i; j = (j + 1) & mask) {
    const other = u32[slots + j]!;
    if (other === SLOT_EMPTY) return false;
    if (other === SLOT_TOMBSTONE) continue;
    if (other < start || (other & 7) !== 0 || other + RECORD_HEADER_SIZE > freeData) return false;
    if (other === rel) return false;
    const w = (base + other) >>> 2;
    if (u32[w + W_HASH] !== hash || u32[w + W_KEY_LEN] !== klen) continue;
    if (other + RECORD_HEADER_SIZE + klen > freeData) return false;
    const a = base + other + RECORD_HEADER_SIZE;
    const b = base + rel + RECORD_HEADER_SIZE;
    if (store.map.compare(store.map, b, b + klen, a, a + klen) === 0) return false;
  }
  return true;
}

/**
 * Counts a page's slot table and the sizes of the records it points to. Every offset is bound
 * to the page, so damage (or, in verify's lock-free read, a concurrent writer) cannot make it
 * read elsewhere.
 */
function tallySlots(store: PageStore, base: number): SlotTally {
  const u32 = store.u32;
  const numSlots = Math.min(u32[(base + P_NUM_SLOTS) >>> 2]!, store.maxSlots);
  const freeData = Math.min(u32[(base + P_FREE_DATA) >>> 2]!, store.pageSize);
  const start = dataStart(numSlots);
  const slots = (base + PAGE_HEADER_SIZE) >>> 2;
  const tally: SlotTally = { records: 0, strays: 0, tombstones: 0, liveBytes: 0 };
  for (let i = 0; i < numSlots; i++) {
    const rel = u32[slots + i]!;
    if (rel === SLOT_EMPTY) continue;
    if (rel === SLOT_TOMBSTONE) {
      tally.tombstones++;
    } else if (store.inBounds(base, rel, start, freeData)) {
      const w = (base + rel) >>> 2;
      tally.records++;
      tally.liveBytes += recordSize(u32[w + W_KEY_LEN]!, u32[w + W_VALUE_LEN]!);
    } else {
      tally.strays++;
    }
  }
  return tally;
}

/**
 * Whether the header's item, tombstone and byte counts say what the slot table holds (bytes
 * only when every slot points inside the page's data: a stray slot's record has no size).
 */
function countsMatch(store: PageStore, base: number, tally: SlotTally): boolean {
  const u32 = store.u32;
  return (
    tally.records + tally.strays === u32[(base + P_ITEMS) >>> 2] &&
    tally.tombstones === u32[(base + P_TOMBSTONES) >>> 2] &&
    (tally.strays > 0 || tally.liveBytes === u32[(base + P_LIVE_BYTES) >>> 2])
  );
}
