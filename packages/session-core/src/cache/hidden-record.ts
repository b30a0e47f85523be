import {
  P_ITEMS,
  P_NUM_SLOTS,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  SLOT_EMPTY,
  SLOT_TOMBSTONE,
} from './layout.js';
import type { PageStore } from './page-store.js';
import { ProbeEnd, probeWalk } from './probe-walk.js';

/**
 * Whether find() for the key of the (sound) record in slot i stops at an empty slot before it:
 * damage to the slot table hid it, and get(), has() and delete() of its key have answered
 * "missing" since. A rebuild must not bring it back: a delete that missed it (a logout) would
 * be undone. A slot find() calls broken on the way is no hiding place: find() then has the
 * page repaired and looks again. Nor is a slot of its own key (a duplicate): the rebuild keeps
 * the key's newer record of the two (Compactor.dropOlderCopies), not the one find() meets first.
 * `freeData` is the header's value, as find() reads it.
 */
export function hiddenFromFind(
  store: PageStore,
  base: number,
  i: number,
  numSlots: number,
  freeData: number,
): boolean {
  return probeWalk(store, base, i, numSlots, freeData) === ProbeEnd.HIDDEN;
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
