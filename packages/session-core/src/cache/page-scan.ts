import { copiedRecordOk } from './copied-record.js';
import { RECORD_HEADER_SIZE } from './layout.js';
import type { PageStore } from './page-store.js';

/** A live entry found by a scan: its key, and its value's bytes when they were asked for. */
export type ScannedEntry = [key: string, value: Buffer | undefined];

/**
 * One page's live, unexpired entries, each checked on a private copy of its record (call
 * under the page's lock, or inside readStablePage). A writer repairs the page first; a
 * read-only instance skips a page whose header is not sane.
 */
export function scanPage(
  store: PageStore,
  page: number,
  now: number,
  withValues: boolean,
  readOnly: boolean,
): ScannedEntry[] {
  const batch: ScannedEntry[] = [];
  if (!readOnly) store.ensurePage(page, now);
  else if (!store.headerSane(store.base(page), page)) return batch;
  // Two slots for one record (a damaged table) must not list its key twice.
  const seen = new Set<number>();
  store.forEachRecord(page, (off) => {
    if (seen.has(off)) return;
    seen.add(off);
    const base = store.base(page);
    const len = store.copyRecord(base, off);
    if (len < 0 || !copiedRecordOk(store, base, off, len)) return;
    const exp = store.scratchF64[1]!;
    if (exp !== 0 && now >= exp) return;
    const klen = store.scratchU32[5]!;
    const key = store.scratch.toString('utf8', RECORD_HEADER_SIZE, RECORD_HEADER_SIZE + klen);
    const value = withValues
      ? Buffer.from(store.scratch.subarray(RECORD_HEADER_SIZE + klen, len))
      : undefined;
    batch.push([key, value]);
  });
  return batch;
}
