import { slotHash } from './hash.js';
import {
  dataStart,
  P_ITEMS,
  P_NUM_SLOTS,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  RECORD_HEADER_SIZE,
  SLOT_EMPTY,
  SLOT_TOMBSTONE,
  W_HASH,
  W_KEY_LEN,
} from './layout.js';
import type { PageStore } from './page-store.js';

/**
 * Whether find() for the key of the (sound) record in slot i stops at an empty slot before it:
 * damage to the slot table hid it, and get(), has() and delete() of its key have answered
 * "missing" since. A rebuild must not bring it back: a delete that missed it (a logout) would
 * be undone. A slot find() calls broken on the way is no hiding place: find() then has the
 * page repaired and looks again. `freeData` is the header's value, as find() reads it.
 */
export function hiddenFromFind(
  store: PageStore,
  base: number,
  i: number,
  numSlots: number,
  freeData: number,
): boolean {
  const start = dataStart(numSlots);
  // find() calls the whole page broken: every key's lookup repairs first.
  if (freeData < start || freeData > store.pageSize) return false;
  const u32 = store.u32;
  const slots = (base + PAGE_HEADER_SIZE) >>> 2;
  const w = (base + u32[slots + i]!) >>> 2;
  const hash = u32[w + W_HASH]!;
  const klen = u32[w + W_KEY_LEN]!;
  const mask = numSlots - 1;
  for (let j = slotHash(hash) & mask; j !== i; j = (j + 1) & mask) {
    const rel = u32[slots + j]!;
    if (rel === SLOT_EMPTY) return true;
    if (rel === SLOT_TOMBSTONE) continue;
    if (rel < start || (rel & 7) !== 0 || rel + RECORD_HEADER_SIZE > freeData) return false;
    const other = (base + rel) >>> 2;
    if (u32[other + W_HASH] === hash && u32[other + W_KEY_LEN] === klen) {
      if (rel + RECORD_HEADER_SIZE + klen > freeData) return false;
    }
  }
  return false;
}

/**
 * Whether the slot table of the page at `base` holds other numbers of records and tombstones
 * than its header counts: how damage that can hide a record shows (a slot of either kind
 * written over with an empty one). One pass over the slot table, no record read.
 */
export function slotCountsDisagree(store: PageStore, base: number): boolean {
  const u32 = store.u32;
  const numSlots = Math.min(u32[(base + P_NUM_SLOTS) >>> 2]!, store.maxSlots);
  const slots = (base + PAGE_HEADER_SIZE) >>> 2;
  let records = 0;
  let tombstones = 0;
  for (let i = 0; i < numSlots; i++) {
    const rel = u32[slots + i]!;
    if (rel === SLOT_TOMBSTONE) tombstones++;
    else if (rel !== SLOT_EMPTY) records++;
  }
  return records !== u32[(base + P_ITEMS) >>> 2] || tombstones !== u32[(base + P_TOMBSTONES) >>> 2];
}
