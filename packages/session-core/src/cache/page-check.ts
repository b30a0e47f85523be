import {
  dataStart,
  P_FREE_DATA,
  P_ITEMS,
  P_LIVE_BYTES,
  P_NUM_SLOTS,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  recordSize,
  SLOT_EMPTY,
  SLOT_TOMBSTONE,
  W_KEY_LEN,
  W_VALUE_LEN,
} from './layout.js';
import type { PageStore } from './page-store.js';
import { ProbeEnd, probeWalk } from './probe-walk.js';

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
      // Only the record find() returns counts: one behind an empty slot, a broken slot or
      // another slot of its key is bad, and purge's rebuild settles it.
      probeWalk(store, base, i, numSlots, freeData) === ProbeEnd.REACHED
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
