import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CacheOptions,
  type CacheStats,
  type PressureInfo,
  suggestCacheSize,
} from '../../src/cache/index.js';
import { manualClock, scratchDir } from './helpers.js';

// An operations trial: 5,000 logins on a 256 KiB cache. Doubling it (the CLI's old advice)
// still evicted 2,210 of them, and the pressure warning's figure (room for kept + evicted plus
// a quarter, from the mean fill) evicted a few: pages fill unevenly.

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const HOUR = 3_600_000;
/** Session ids as the manager makes them (43 base64url chars), the same in every run. */
const sessionKey = (i: number) =>
  `sess:${createHash('sha256').update(String(i)).digest('base64url')}`;
const session = (i: number, pad: number) => ({
  userId: i,
  name: `user${i}`,
  pad: 'x'.repeat(pad + (i % 7) * 10),
  __fastmmap: { created: 1_767_225_600_000, touched: 1_767_225_600_000, cookieAt: 0 },
});

/**
 * Logs `count` users in on a new cache of `geometry`; its stats and pressure reports after.
 * With `large`, every `large.every`-th session (the last one too) holds `large.pad` bytes instead.
 */
function logIn(
  count: number,
  pad: number,
  geometry: CacheOptions,
  large?: { every: number; pad: number },
) {
  const clock = manualClock();
  const reports: PressureInfo[] = [];
  const cache = t.open({
    ...geometry,
    path: `${t.dir}/${Math.random().toString(36).slice(2)}.fmc`,
    clock: clock.fn,
    pressure: { onPressure: (info) => reports.push(info) },
  });
  for (let i = 0; i < count; i++) {
    const bytes = large !== undefined && (i + 1) % large.every === 0 ? large.pad : pad;
    cache.set(sessionKey(i), session(i, bytes), { ttl: HOUR });
  }
  clock.advance(60_000); // the pressure window ends: the next write reports it
  cache.set('after', 'x', { ttl: HOUR });
  cache.delete('after');
  const stats = cache.stats();
  cache.close();
  return { stats, reports };
}

const factsOf = (stats: CacheStats) => ({
  pageSize: stats.pageSize,
  numPages: stats.numPages,
  lockStripes: stats.lockStripes,
  items: stats.items,
  bytesUsed: stats.bytesUsed,
  evictedUnexpired: stats.evictionsUnexpired,
});

describe('suggestCacheSize', () => {
  it.each([
    ['16 KiB pages (the trial)', 5_000, 60, 16_384],
    ['64 KiB pages', 5_000, 60, 65_536],
    ['4 KiB pages', 5_000, 60, 4_096],
    ['1 KiB sessions', 3_000, 1_000, 65_536],
  ])('gives room for every login on %s', (_, count, pad, pageSize) => {
    const { stats } = logIn(count, pad, { pageSize, cacheSize: 256 * 1024 });
    expect(stats.evictionsUnexpired).toBeGreaterThan(count / 2);
    const suggestion = suggestCacheSize(factsOf(stats));
    expect(suggestion).toMatchObject({ items: count, capped: false });
    expect(suggestion.cacheSize).toBe(suggestion.numPages * suggestion.pageSize);
    const again = logIn(count, pad, {
      pageSize: suggestion.pageSize,
      numPages: suggestion.numPages,
    });
    expect(again.stats.evictionsUnexpired).toBe(0);
    expect(again.stats.items).toBe(count);
    // With headroom, but not wasteful: the pages end up less than 3/4 full on average.
    expect(again.stats.bytesUsed / suggestion.cacheSize).toBeLessThan(0.75);
  });

  it('takes larger pages when a page holds a handful of items (they fill too unevenly)', () => {
    const { stats } = logIn(2_000, 1_200, { pageSize: 4_096, cacheSize: 64 * 1024 });
    const suggestion = suggestCacheSize(factsOf(stats));
    expect(suggestion.pageSize).toBeGreaterThanOrEqual(65_536);
    const again = logIn(2_000, 1_200, {
      pageSize: suggestion.pageSize,
      numPages: suggestion.numPages,
    });
    expect(again.stats.evictionsUnexpired).toBe(0);
  });

  it('never suggests the size that evicted, and stays below the 2 GiB file limit', () => {
    const base = { pageSize: 65_536, numPages: 100, lockStripes: 16 };
    const few = suggestCacheSize({ ...base, items: 10, bytesUsed: 2_000, evictedUnexpired: 1 });
    expect(few.numPages).toBe(101);
    const huge = suggestCacheSize({
      ...base,
      items: 10_000,
      bytesUsed: 10_000_000,
      evictedUnexpired: 10_000_000,
    });
    expect(huge.capped).toBe(true);
    expect(12_288 + (huge.numPages + 16) * huge.pageSize).toBeLessThan(2 ** 31);
    // Nothing left to measure (cleared after the evictions): twice the room.
    const empty = suggestCacheSize({ ...base, items: 0, bytesUsed: 0, evictedUnexpired: 50 });
    expect(empty).toMatchObject({ numPages: 200, pageSize: 65_536, bytesPerItem: null });
  });

  it('keeps the page size when a larger page would cap the file below its size now (review)', () => {
    // 512 KiB pages near the 2 GiB limit holding ~400 KB items: 16 MiB pages would allow only
    // a smaller file. Never suggest less than the size that evicted.
    const facts = {
      pageSize: 524_288,
      numPages: 3_800,
      lockStripes: 16,
      items: 3_000,
      bytesUsed: 3_000 * 400_000,
      evictedUnexpired: 500,
    };
    const suggestion = suggestCacheSize(facts);
    expect(suggestion.cacheSize).toBeGreaterThanOrEqual(facts.pageSize * facts.numPages);
    expect(suggestion).toMatchObject({ pageSize: 524_288, capped: true });
  });

  it('leaves expired items out of the room needed', () => {
    const facts = { pageSize: 65_536, numPages: 4, lockStripes: 4, bytesUsed: 500_000 };
    const all = suggestCacheSize({ ...facts, items: 2_000, evictedUnexpired: 3_000 });
    const live = suggestCacheSize({
      ...facts,
      items: 2_000,
      liveItems: 500,
      evictedUnexpired: 3_000,
    });
    expect(live.items).toBe(3_500);
    expect(live.cacheSize).toBeLessThan(all.cacheSize);
  });
});

describe('the pressure warning', () => {
  it('suggests what suggestCacheSize does, and following it keeps every login', () => {
    const { stats, reports } = logIn(5_000, 60, { pageSize: 16_384, cacheSize: 256 * 1024 });
    expect(reports).toHaveLength(1);
    const [report] = reports;
    // Sessions of 60-120 bytes of padding: the largest record spreads the estimate a little.
    expect(report!.largestRecord).toBeGreaterThan(stats.bytesUsed / stats.items);
    const suggestion = suggestCacheSize({
      ...factsOf(stats),
      largestRecord: report!.largestRecord,
    });
    expect(report).toMatchObject({
      evictedUnexpired: stats.evictionsUnexpired,
      cacheSize: 256 * 1024,
      pageSize: 16_384,
      suggestedPageSize: suggestion.pageSize,
    });
    // The warning counted the small item whose write closed the window (deleted since): the
    // mean it saw was a little smaller, the spread a little larger.
    expect(Math.abs(report!.suggestedCacheSize - suggestion.cacheSize)).toBeLessThanOrEqual(16_384);
    const again = logIn(5_000, 60, {
      pageSize: report!.suggestedPageSize,
      cacheSize: report!.suggestedCacheSize,
    });
    expect(again.stats.evictionsUnexpired).toBe(0);
  });

  it('asks for larger pages when a few sessions are large (following it keeps every login)', () => {
    // An operations trial: 1 in 50 sessions of 40 KB among ~300 B ones, on 64 KiB pages. Sized
    // from the mean alone, each larger file it named evicted again (202, 256, 139 sessions):
    // the pages two large sessions land on stay full whatever the file's size.
    const large = { every: 50, pad: 40_000 };
    const first = logIn(3_000, 240, { pageSize: 65_536, cacheSize: 1 << 20 }, large);
    const [report] = first.reports;
    expect(report).toMatchObject({ pageSizeReason: 'largestRecord' });
    expect(report!.suggestedPageSize).toBeGreaterThanOrEqual(8 * 40_000);
    const again = logIn(
      3_000,
      240,
      { pageSize: report!.suggestedPageSize, cacheSize: report!.suggestedCacheSize },
      large,
    );
    expect(again.stats.evictionsUnexpired).toBe(0);
    expect(again.reports).toEqual([]);
  });
});

describe('the pressure warning and the largest record', () => {
  it('counts large records other processes wrote (it reads the file), not only its own', () => {
    const clock = manualClock();
    const path = `${t.dir}/shared.fmc`;
    const geometry = { path, pageSize: 65_536, cacheSize: 1 << 20, clock: clock.fn };
    const reports: PressureInfo[] = [];
    const small = t.open({ ...geometry, pressure: { onPressure: (info) => reports.push(info) } });
    const other = t.open({ ...geometry, pressure: { onPressure: () => {} } });
    for (let i = 0; i < 3_000; i++) {
      const writer = (i + 1) % 50 === 0 ? other : small;
      const bytes = (i + 1) % 50 === 0 ? 40_000 : 240;
      writer.set(sessionKey(i), session(i, bytes), { ttl: HOUR });
    }
    clock.advance(60_000);
    small.set('after', 'x', { ttl: HOUR });
    expect(reports).toHaveLength(1);
    expect(reports[0]!.largestRecord).toBeGreaterThan(40_000);
    expect(reports[0]).toMatchObject({ pageSizeReason: 'largestRecord' });
    other.close();
    small.close();
  });
});

describe('the pressure warning and a large session that left', () => {
  it('stops counting it once a look has gone round the file without it', () => {
    const clock = manualClock();
    const reports: PressureInfo[] = [];
    const cache = t.open({
      pageSize: 65_536,
      cacheSize: 1 << 20,
      clock: clock.fn,
      pressure: { onPressure: (info) => reports.push(info) },
    });
    cache.set('big', session(0, 40_000), { ttl: HOUR });
    cache.delete('big'); // the one large session logged out
    let n = 0;
    const window = () => {
      for (let i = 0; i < 6_000; i++) cache.set(sessionKey(n++), session(n, 240), { ttl: HOUR });
      clock.advance(60_000);
      cache.set('after', 'x', { ttl: HOUR });
    };
    window();
    window();
    expect(reports).toHaveLength(2);
    // Written in the first window: counted then (it may have been an eviction's).
    expect(reports[0]!.largestRecord).toBeGreaterThan(40_000);
    // Since, the look went round the file and found 300-byte sessions: it advised 8 x 40 KB
    // pages for a file of small sessions (the figure never went down in a process).
    expect(reports[1]!.largestRecord).toBeLessThan(1_000);
    expect(reports[1]!.pageSizeReason).not.toBe('largestRecord');
    cache.close();
  });
});

describe('suggestCacheSize and the largest record', () => {
  const facts = {
    pageSize: 65_536,
    numPages: 16,
    lockStripes: 16,
    items: 3_000,
    bytesUsed: 3_000 * 600,
    evictedUnexpired: 200,
  };

  it('keeps the page when 8 of the largest fit, and says why when it does not', () => {
    expect(suggestCacheSize({ ...facts, largestRecord: 8_000 })).toMatchObject({
      pageSize: 65_536,
      pageSizeReason: null,
    });
    expect(suggestCacheSize({ ...facts, largestRecord: 40_032 })).toMatchObject({
      pageSize: 524_288,
      pageSizeReason: 'largestRecord',
    });
    // Many items of a size a page holds few of: the mean's rule, as before.
    expect(suggestCacheSize({ ...facts, bytesUsed: 3_000 * 4_000 })).toMatchObject({
      pageSize: 131_072,
      pageSizeReason: 'fewItemsPerPage',
    });
  });

  it('ignores figures that are no numbers (NaN, Infinity): as if not given', () => {
    const plain = suggestCacheSize(facts);
    expect(Number.isFinite(plain.cacheSize)).toBe(true);
    expect(suggestCacheSize({ ...facts, largestRecord: Number.NaN })).toEqual(plain);
    expect(suggestCacheSize({ ...facts, largestRecord: Infinity })).toEqual(plain);
  });

  it('gives twice the room in the larger pages when nothing is left to measure', () => {
    const empty = { ...facts, items: 0, bytesUsed: 0, largestRecord: 40_032 };
    expect(suggestCacheSize(empty)).toMatchObject({
      pageSize: 524_288,
      cacheSize: 2 * 16 * 65_536,
      pageSizeReason: 'largestRecord',
    });
  });
});
