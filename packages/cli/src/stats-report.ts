import { stripVTControlCharacters } from 'node:util';
import type { CacheSizeSuggestion, CacheStats, PageStats } from '@fastmmap/session-core/cache';
import { drawFillHistogram, type FillBucket, fillHistogram } from './fill-histogram.js';
import { formatBytes, formatCount, formatInstant, formatPercent, safeText } from './format.js';
import type { Style } from './io.js';
import type { ItemCensus } from './item-census.js';
import { heldLockLines } from './lock-advice.js';
import type { HeldLockReport } from './lock-report.js';

/** What `stats --json` prints: the cache's own `CacheStats` plus a few derived figures. */
export interface StatsJson extends CacheStats {
  /** Mean fill of the pages, 0..1 (pages all have the same capacity). */
  fill: number;
  /** hits / (hits + misses), or null before the first read. */
  hitRatio: number | null;
  fillHistogram: FillBucket[];
  /**
   * How many of the `items` are past their expiry (not yet removed, not listed by `keys`).
   * This and sessionTombstones are `stats` only: they read every item, which `watch` does not
   * do on each refresh.
   */
  expiredItems?: number;
  /** How many of the unexpired items are tombstones of destroyed sessions. */
  sessionTombstones?: number;
  /**
   * After unexpired evictions, the geometry that would have kept those items too (the cache's
   * `suggestCacheSize`, as in its pressure warning); null when nothing live was evicted.
   */
  sizeSuggestion: CacheSizeSuggestion | null;
  /** Page locks one holder kept through a short watch, and who holds them. */
  heldLocks?: HeldLockReport[];
}

/** What a report adds to the counters: the item census (`stats` only) and the size advice. */
export interface StatsExtras {
  census?: ItemCensus;
  sizing?: CacheSizeSuggestion | null;
  heldLocks?: HeldLockReport[];
  /**
   * Without a census (`watch`): the share of the file's pages the largest item was looked for
   * in so far (1: all of them, as a census does).
   */
  largestShareRead?: number;
}

export function meanFill(pages: readonly PageStats[]): number {
  if (pages.length === 0) return 0;
  return pages.reduce((sum, page) => sum + page.fill, 0) / pages.length;
}

export function hitRatio(hits: number, misses: number): number | null {
  return hits + misses === 0 ? null : hits / (hits + misses);
}

export function statsJson(
  stats: CacheStats,
  { census, sizing, heldLocks }: StatsExtras = {},
): StatsJson {
  return {
    ...stats,
    fill: meanFill(stats.pages),
    hitRatio: hitRatio(stats.hits, stats.misses),
    fillHistogram: fillHistogram(stats.pages),
    ...(census === undefined
      ? {}
      : { expiredItems: census.expired, sessionTombstones: census.sessionTombstones }),
    sizeSuggestion: sizing ?? null,
    ...(heldLocks === undefined ? {} : { heldLocks }),
  };
}

/** "521", or "521 (incl. 97 expired, 3 destroyed-session tombstones)" for those there are. */
function itemsText(items: number, census: ItemCensus | undefined): string {
  const parts: string[] = [];
  if (census?.expired) parts.push(`${formatCount(census.expired)} expired`);
  if (census?.sessionTombstones) {
    const what = census.sessionTombstones === 1 ? 'tombstone' : 'tombstones';
    parts.push(`${formatCount(census.sessionTombstones)} destroyed-session ${what}`);
  }
  if (parts.length === 0) return formatCount(items);
  return `${formatCount(items)} (incl. ${parts.join(', ')})`;
}

/** Label/value rows; `alignRight` lines the values up on their last digit. */
function rows(entries: Array<[string, string]>, alignRight = false): string[] {
  const width = Math.max(...entries.map(([label]) => label.length));
  const valueWidth = Math.max(...entries.map(([, value]) => visibleLength(value)));
  return entries.map(([label, value]) => {
    const pad = alignRight ? ' '.repeat(valueWidth - visibleLength(value)) : '';
    return `  ${label.padEnd(width)}  ${pad}${value}`;
  });
}

/** Length without ANSI colour codes, for alignment. */
function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}

export function renderStats(
  stats: CacheStats,
  style: Style,
  now: number,
  { census, sizing, heldLocks = [], largestShareRead = 0 }: StatsExtras = {},
): string[] {
  const pageArea = stats.numPages * stats.pageSize;
  const ratio = hitRatio(stats.hits, stats.misses);
  const lines: string[] = [
    style('bold', safeText(stats.path)),
    ...rows([
      [
        'format',
        `version ${stats.formatVersion}, codec ${safeText(stats.codec)}, id ${safeText(stats.creationId)}`,
      ],
      ['created', formatInstant(stats.createdAt, now)],
      [
        'geometry',
        `${formatCount(stats.numPages)} pages × ${formatBytes(stats.pageSize)} = ${formatBytes(pageArea)}, ${stats.lockStripes} lock stripes, file ${formatBytes(stats.fileSize)}`,
      ],
      ['items', itemsText(stats.items, census)],
      [
        'used',
        `${formatBytes(stats.bytesUsed)}, pages ${formatPercent(meanFill(stats.pages))} full on average`,
      ],
    ]),
    '',
    style('bold', `Page fill (${formatCount(stats.pages.length)} pages)`),
    ...drawFillHistogram(fillHistogram(stats.pages)).map((line) => `  ${line}`),
    '',
    style('bold', 'Activity (all processes, since the file was created)'),
  ];

  const highlight = (n: number) =>
    n > 0 ? style(['bold', 'yellow'], formatCount(n)) : formatCount(n);
  lines.push(
    ...rows(
      [
        ['hits', formatCount(stats.hits)],
        ['misses', formatCount(stats.misses)],
        ['hit ratio', ratio === null ? '-' : formatPercent(ratio)],
        ['sets', formatCount(stats.sets)],
        ['deletes', formatCount(stats.deletes)],
        ['expired removals', formatCount(stats.expiredRemovals)],
        ['evictions', formatCount(stats.evictions)],
        ['unexpired evictions', highlight(stats.evictionsUnexpired)],
        ['repaired pages', highlight(stats.repairedPages)],
        ['dropped corrupt records', highlight(stats.droppedCorruptRecords)],
        ['damaged pages (now)', highlight(stats.damagedPages)],
      ],
      true,
    ),
  );

  // A held lock first: the apps fail now, whatever else the counters say.
  const advice = [
    ...heldLocks.flatMap((report) => heldLockLines(report, stats.numPages)),
    ...adviceLines(
      stats,
      sizing ?? null,
      census?.expired ?? 0,
      census === undefined ? largestShareRead : 1,
    ),
  ];
  if (advice.length > 0) lines.push('', ...advice.map((line) => style('yellow', line)));
  return lines;
}

/**
 * What the counters ask the operator to do, if anything. `largestShareRead`: the share of the
 * pages the sizing's largest item was looked for in (`stats` reads every item; `watch` reads
 * 4 MiB of pages a frame, round the file).
 */
export function adviceLines(
  stats: CacheStats,
  sizing: CacheSizeSuggestion | null,
  expiredItems = 0,
  largestShareRead = 1,
): string[] {
  const advice: string[] = [];
  if (stats.evictionsUnexpired > 0) {
    advice.push(
      `! ${formatCount(stats.evictionsUnexpired)} items were evicted before they expired: live data (sessions) lost for lack of room.`,
      ...raiseLines(stats, sizing, expiredItems, largestShareRead),
    );
  }
  if (stats.repairedPages > 0) {
    advice.push(
      `! ${formatCount(stats.repairedPages)} pages were repaired: a process died while writing them, or their header or records were damaged.`,
    );
  }
  if (stats.damagedPages > 0) {
    advice.push(
      `! ${formatCount(stats.damagedPages)} pages have a garbage header (written over by something else): their items and counters are left out above.`,
      '  The next write to each starts it over (empty when its slot table cannot be trusted); `fastmmap purge FILE` repairs them now. `fastmmap verify` checks every page.',
    );
  }
  if (stats.droppedCorruptRecords > 0) {
    advice.push(
      `! ${formatCount(stats.droppedCorruptRecords)} records failed their checksum or decoding and were dropped.`,
    );
  }
  return advice;
}

/** How much room to give, and why: the same figure as the apps' pressure warning. */
function raiseLines(
  stats: CacheStats,
  sizing: CacheSizeSuggestion | null,
  expiredItems: number,
  largestShareRead: number,
): string[] {
  const now = formatBytes(stats.numPages * stats.pageSize);
  if (sizing === null) return [`  Raise cacheSize (now ${now}), or shorten the expiry.`];
  if (sizing.cacheSize <= stats.numPages * stats.pageSize) {
    return [
      `  cacheSize (now ${now}) is already the largest file the format allows (below 2 GiB): shorten the expiry, keep less in each session, or move to RedisStore.`,
    ];
  }
  const why =
    sizing.pageSizeReason === 'largestRecord'
      ? 'which holds too few of the largest items: the pages they land on stay full'
      : 'which holds too few of these items to fill evenly';
  const pageSize =
    sizing.pageSize === stats.pageSize
      ? ''
      : ` with pageSize ${formatBytes(sizing.pageSize)} (now ${formatBytes(stats.pageSize)}, ${why})`;
  const lines = [
    `  Raise cacheSize (now ${now}) to ${formatBytes(sizing.cacheSize)} (${sizing.cacheSize} bytes)${pageSize}, or shorten the expiry.`,
  ];
  if (sizing.bytesPerItem !== null) {
    const kept = formatCount(stats.items - expiredItems);
    lines.push(
      `  That is room for ${formatCount(sizing.items)} items (${kept} kept, ${formatCount(stats.evictionsUnexpired)} evicted) of ${formatBytes(Math.round(sizing.bytesPerItem))}, on pages that fill unevenly, plus a quarter to grow.`,
    );
    // A larger item in the pages not read yet would ask for more: a few large sessions among
    // small ones evict again at a size that leaves them out.
    if (largestShareRead < 1) {
      lines.push(
        `  Sized for the largest item in ${formatPercent(largestShareRead)} of the pages so far (watch reads 4 MiB of them a frame): later frames, or \`fastmmap stats FILE\`, can name a larger cacheSize and pageSize.`,
      );
    }
  }
  if (sizing.capped) {
    lines.push(
      '  That is the largest file the format allows (below 2 GiB): shorten the expiry too.',
    );
  }
  return lines;
}
