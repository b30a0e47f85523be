import type { FileHeader } from './header.js';
import type { PageCheck } from './page-check.js';
import { NO_COUNTS, type PageCounters, type PageCounts, type PageStore } from './page-store.js';
import type { CacheStats, PageStats } from './types.js';

/** What `verify()` found; `ok` is true when nothing is wrong. */
export interface VerifyReport {
  pages: number;
  items: number;
  badRecords: number;
  /** Pages whose write-in-progress marker is set (a writer died inside; the next write repairs). */
  tornPages: number;
  /**
   * Pages whose header is garbage, or whose counts disagree with their slot table (a torn page's
   * counts are not judged: its writer died between them). `stats()` counts the first kind only.
   */
  badPages: number;
  ok: boolean;
}

/** `stats()`: the header's facts and every page's counters, summed (they are in the file). */
export function cacheStats(path: string, header: FileHeader, store: PageStore): CacheStats {
  const totals: PageCounts = { ...NO_COUNTS };
  const pages: PageStats[] = [];
  let damagedPages = 0;
  for (let page = 0; page < header.numPages; page++) {
    const c = store.pageCounters(page);
    // A damaged page's counters read as 0: its garbage would swamp every total.
    if (c.damaged) damagedPages++;
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += c[k];
    pages.push({
      items: c.items,
      bytesUsed: c.bytesUsed,
      fill: c.capacity > 0 ? c.bytesUsed / c.capacity : 0,
      damaged: c.damaged,
    });
  }
  return {
    path,
    formatVersion: header.formatVersion,
    pageSize: header.pageSize,
    numPages: header.numPages,
    fileSize: header.fileSize,
    createdAt: header.createdAt,
    creationId: header.creationId,
    // The header's name: a reader opened without the file's custom codec still says which.
    codec: header.codec,
    lockStripes: header.stripes,
    ...totals,
    damagedPages,
    pages,
  };
}

/** `verify()`: the pages' checks (each made under the page's lock, or read stable) added up. */
export function verifyReport(checks: readonly PageCheck[]): VerifyReport {
  const report: VerifyReport = {
    pages: checks.length,
    items: 0,
    badRecords: 0,
    tornPages: 0,
    badPages: 0,
    ok: true,
  };
  for (const c of checks) {
    report.items += c.items;
    report.badRecords += c.badRecords;
    if (c.torn) report.tornPages++;
    if (c.badHeader || (!c.torn && !c.countsOk)) report.badPages++;
  }
  report.ok = report.badRecords === 0 && report.tornPages === 0 && report.badPages === 0;
  return report;
}

/** One counter summed over every page (lock-free: counters are advisory). */
export function sumCounter(store: PageStore, numPages: number, pick: (c: PageCounters) => number) {
  let total = 0;
  for (let page = 0; page < numPages; page++) total += pick(store.pageCounters(page));
  return total;
}
