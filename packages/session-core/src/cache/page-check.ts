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

/**
 * Deep read-only check of one page (call under its lock): the header, every record the slot
 * table points to (bounds, CRC, hash, page, reachable by probing), and the header's counts.
 */
export function checkPage(store: PageStore, page: number): PageCheck {
  const checkKey = Buffer.alloc(RECORD_HEADER_SIZE + 4096); // aligned, as find() wants keys
  const checkKeyWords = new Uint32Array(
    checkKey.buffer,
    checkKey.byteOffset,
    checkKey.length >>> 2,
  );
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
    if (!store.recordOk(base, page, rel, start, freeData)) {
      badRecords++;
      continue;
    }
    const w = (base + rel) >>> 2;
    const klen = u32[w + W_KEY_LEN]!;
    // The record must be reachable by probing from its key's start slot, through this slot
    // (another slot found first for the same key is a duplicate: a damaged table).
    const keyAt = base + rel + RECORD_HEADER_SIZE;
    store.map.copy(checkKey, 0, keyAt, keyAt + klen);
    if (
      store.find(base, checkKey, checkKeyWords, klen, u32[w + W_HASH]!) !== base + rel ||
      store.foundSlot !== i
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
