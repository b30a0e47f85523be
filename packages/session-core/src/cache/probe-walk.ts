import { slotHash } from './hash.js';
import {
  dataStart,
  PAGE_HEADER_SIZE,
  RECORD_HEADER_SIZE,
  SLOT_EMPTY,
  SLOT_TOMBSTONE,
  W_HASH,
  W_KEY_LEN,
} from './layout.js';
import type { PageStore } from './page-store.js';

/** How find() for the key of the record in a slot ends, as probeWalk tells it. */
export const ProbeEnd = {
  /** find() returns this record. */
  REACHED: 0,
  /** find() stops at an empty slot first: damage hid the record, its key answers "missing". */
  HIDDEN: 1,
  /** find() meets a slot it calls broken first (it then has the page repaired, and looks again). */
  BROKEN: 2,
  /** find() meets another slot of the same key first (a duplicate: a damaged table). */
  SHADOWED: 3,
} as const;
export type ProbeEnd = (typeof ProbeEnd)[keyof typeof ProbeEnd];

/**
 * Walks the probe path of the key of the record in slot i (whose slot and header words are in
 * the page's data) from its start slot, as find() would, without the key: other records' keys
 * are compared only on a hash match. Past a same-key slot it walks on: an empty slot behind one
 * is still HIDDEN (a rebuild asks that), a page check asks only whether it is REACHED. Bounded
 * by numSlots steps and by `freeData`, so a lock-free reader's torn header cannot make it loop
 * or read outside the page.
 */
export function probeWalk(
  store: PageStore,
  base: number,
  i: number,
  numSlots: number,
  freeData: number,
): ProbeEnd {
  const start = dataStart(numSlots);
  if (freeData < start || freeData > store.pageSize) return ProbeEnd.BROKEN;
  const u32 = store.u32;
  const map = store.map;
  const slots = (base + PAGE_HEADER_SIZE) >>> 2;
  const rel = u32[slots + i]!;
  const w = (base + rel) >>> 2;
  const hash = u32[w + W_HASH]!;
  const klen = u32[w + W_KEY_LEN]!;
  const key = base + rel + RECORD_HEADER_SIZE;
  const mask = numSlots - 1;
  let end: ProbeEnd = ProbeEnd.REACHED;
  let j = slotHash(hash) & mask;
  for (let n = 0; j !== i; j = (j + 1) & mask) {
    if (++n > numSlots) return ProbeEnd.BROKEN;
    const other = u32[slots + j]!;
    if (other === SLOT_EMPTY) return ProbeEnd.HIDDEN;
    if (other === SLOT_TOMBSTONE) continue;
    if (other < start || (other & 7) !== 0 || other + RECORD_HEADER_SIZE > freeData)
      return ProbeEnd.BROKEN;
    const ow = (base + other) >>> 2;
    if (u32[ow + W_HASH] !== hash || u32[ow + W_KEY_LEN] !== klen) continue;
    if (other + RECORD_HEADER_SIZE + klen > freeData) return ProbeEnd.BROKEN;
    const at = base + other + RECORD_HEADER_SIZE;
    if (other === rel || map.compare(map, key, key + klen, at, at + klen) === 0)
      end = ProbeEnd.SHADOWED;
  }
  return end;
}
