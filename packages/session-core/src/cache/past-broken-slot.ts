import { RECORD_HEADER_SIZE, SLOT_TOMBSTONE, W_HASH, W_KEY_LEN } from './layout.js';
import { NOT_FOUND, type PageStore } from './page-store.js';
import { ProbeEnd, probeWalk } from './probe-walk.js';

/**
 * For a reader that cannot repair a page (read-only) whose find() met a broken slot: the
 * record of the key a writer's repair would keep, which its lookup then finds. The repair
 * keeps every sound record its key's probe walk does not find hidden behind an empty slot
 * (probeWalk: a broken slot met first is no hiding place), and of two of one key the newer
 * (the later in the page). So: the key's records in the slot table that are not hidden,
 * newest first, the first that `sound` accepts (the caller checks it on a private copy), or
 * NOT_FOUND. A whole slot-table walk, only on this rare path; bounded by a header read once.
 */
export function findPastBrokenSlot(
  store: PageStore,
  base: number,
  key: Uint8Array,
  klen: number,
  hash: number,
  sound: (off: number) => boolean,
): number {
  const u32 = store.u32;
  const map = store.map;
  const table = store.walkableSlots(base);
  if (table === undefined) return NOT_FOUND;
  const { numSlots, freeData, start, slots } = table;
  const candidates: number[] = [];
  for (let i = 0; i < numSlots; i++) {
    const rel = u32[slots + i]!;
    if (rel <= SLOT_TOMBSTONE || rel < start || (rel & 7) !== 0) continue;
    if (rel + RECORD_HEADER_SIZE + klen > freeData) continue;
    const w = (base + rel) >>> 2;
    if (u32[w + W_HASH] !== hash || u32[w + W_KEY_LEN] !== klen) continue;
    const at = base + rel + RECORD_HEADER_SIZE;
    let j = 0;
    while (j < klen && map[at + j] === key[j]) j++;
    if (j < klen || candidates.includes(rel)) continue;
    if (probeWalk(store, base, i, numSlots, freeData) === ProbeEnd.HIDDEN) continue;
    candidates.push(rel);
  }
  candidates.sort((a, b) => b - a);
  for (const rel of candidates) if (sound(base + rel)) return base + rel;
  return NOT_FOUND;
}
