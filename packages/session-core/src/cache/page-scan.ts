import { copiedRecordOk } from './copied-record.js';
import { RECORD_HEADER_SIZE, SLOT_TOMBSTONE } from './layout.js';
import type { PageStore } from './page-store.js';
import { ProbeEnd, probeWalk } from './probe-walk.js';

/** A live entry found by a scan: its key, and its value's bytes when they were asked for. */
export type ScannedEntry = [key: string, value: Buffer | undefined];

/**
 * One page's live, unexpired entries, each checked on a private copy of its record (call
 * under the page's lock, or inside readStablePage). A writer repairs the page first; a
 * read-only instance skips a page whose header is not sane. Only records get() of their key
 * would find are listed: not one damage hid behind an empty slot, nor an older copy of a key.
 */
export function scanPage(
  store: PageStore,
  page: number,
  now: number,
  withValues: boolean,
  readOnly: boolean,
): ScannedEntry[] {
  const batch: ScannedEntry[] = [];
  const own = store.base(page);
  // A dead writer's pending compaction image, checked whole, stands for the page it left half
  // copied (the image has no magic or index of its own to check).
  const base = readOnly ? store.lockFreeBase(page) : own;
  if (!readOnly) store.ensurePage(page, now);
  else if (base === own && !store.headerSane(base, page)) return batch;
  const u32 = store.u32;
  // Read once: a lock-free reader's header may change under it (readStablePage then reruns).
  const table = store.walkableSlots(base);
  if (table === undefined) return batch;
  const { numSlots, freeData, start, slots } = table;
  // Two slots for one record (a damaged table) must not list its key twice.
  const seen = new Set<number>();
  for (let i = 0; i < numSlots; i++) {
    const rel = u32[slots + i]!;
    if (rel <= SLOT_TOMBSTONE || !store.inBounds(base, rel, start, freeData)) continue;
    // Behind a broken slot is listed: the lookup that meets that slot repairs and finds it.
    const end = probeWalk(store, base, i, numSlots, freeData);
    if (end === ProbeEnd.HIDDEN || end === ProbeEnd.SHADOWED) continue;
    const off = base + rel;
    if (seen.has(off)) continue;
    seen.add(off);
    const len = store.copyRecord(base, off);
    if (len < 0 || !copiedRecordOk(store, base, off, len)) continue;
    const exp = store.scratchF64[1]!;
    if (exp !== 0 && now >= exp) continue;
    const klen = store.scratchU32[5]!;
    const key = store.scratch.toString('utf8', RECORD_HEADER_SIZE, RECORD_HEADER_SIZE + klen);
    const value = withValues
      ? Buffer.from(store.scratch.subarray(RECORD_HEADER_SIZE + klen, len))
      : undefined;
    batch.push([key, value]);
  }
  return batch;
}
