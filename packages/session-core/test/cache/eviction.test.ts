import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PressureInfo } from '../../src/cache/index.js';
import { manualClock, scratchDir } from './helpers.js';

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const ONE_PAGE = { pageSize: 4096, numPages: 1, codec: 'raw' } as const;
/** Evicting tests that are not about pressure keep the default warning out of the output. */
const QUIET = { pressure: { onPressure: () => {} } };
const value = (n: number) => Buffer.alloc(200, n);

describe('compaction and LRU eviction inside a page', () => {
  it('reclaims overwritten records without evicting anything', () => {
    const cache = t.open<Uint8Array>({ ...ONE_PAGE, ...QUIET });
    for (let i = 0; i < 5; i++) cache.set(`k${i}`, value(i));
    for (let round = 0; round < 200; round++) cache.set(`k${round % 5}`, value(round & 255));
    const s = cache.stats();
    expect(s).toMatchObject({ items: 5, evictions: 0, evictionsUnexpired: 0 });
    for (let i = 0; i < 5; i++) expect(cache.get(`k${i}`)).toEqual(value((195 + i) & 255));
    expect(cache.verify().ok).toBe(true);
  });

  it('rewrites big entries that share a page without evicting either (the old value is retired)', () => {
    // Two entries of ~40 % of the page: both fit, but not beside the old copy of one of them.
    const cache = t.open<Uint8Array>({ ...ONE_PAGE, ...QUIET });
    const big = (n: number) => Buffer.alloc(1500, n);
    cache.set('a', big(1));
    cache.set('b', big(2));
    for (let round = 0; round < 20; round++) {
      cache.set(round % 2 ? 'b' : 'a', big(round));
      expect(cache.stats().evictionsUnexpired).toBe(0);
    }
    expect(cache.get('a')).toEqual(big(18));
    expect(cache.get('b')).toEqual(big(19));
    // A third one does not fit with them: now the least recently used goes.
    cache.get('b');
    cache.set('c', big(3));
    expect(cache.stats().evictionsUnexpired).toBe(1);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([false, true, true]);
    expect(cache.verify().ok).toBe(true);
  });

  it('evicts only when the survivors and the new entry do not fit, not at 90 %', () => {
    // Three entries of ~30 % each: 90 % of the page, which no longer evicts one of them.
    const cache = t.open<Uint8Array>({ ...ONE_PAGE, ...QUIET });
    const third = (n: number) => Buffer.alloc(1100, n);
    for (const [i, key] of ['x', 'y', 'z'].entries()) cache.set(key, third(i));
    for (let round = 0; round < 9; round++) cache.set(['x', 'y', 'z'][round % 3]!, third(round));
    expect(cache.stats()).toMatchObject({ items: 3, evictionsUnexpired: 0 });
  });

  it('measures the 90 % against the smallest slot table the survivors may have', () => {
    // 10 entries and a new one want 4096 bytes: one goes. The other 9 and the new one, 3496
    // bytes, fill 89.5 % of the page beside a 16-slot table (10 of 16 slots: under the 3/4
    // limit), and 91 % beside the 32 slots that compaction prefers for 10 entries: measured
    // with those, a second live entry was evicted to keep the table half empty.
    const clock = manualClock();
    const cache = t.open<Uint8Array>({ ...ONE_PAGE, ...QUIET, clock: clock.fn });
    // A record is 32 bytes + 3 of key + the value, padded to 8.
    const put = (key: string, valueBytes: number) => {
      cache.set(key, Buffer.alloc(valueBytes, 1));
      clock.advance(1000);
    };
    put('k00', 565); // 600 bytes, the least recently used
    for (let i = 1; i <= 8; i++) put(`k0${i}`, 309); // 344 bytes each
    put('k09', 333); // 368 bytes
    put('new', 341); // 376 bytes
    expect(cache.stats()).toMatchObject({ evictionsUnexpired: 1, items: 10 });
    expect(cache.has('k00')).toBe(false);
    for (let i = 1; i <= 9; i++) expect(cache.has(`k0${i}`)).toBe(true);
    expect(cache.verify().ok).toBe(true);
  });

  it('evicts the least recently used entries first', () => {
    const clock = manualClock();
    const cache = t.open<Uint8Array>({ ...ONE_PAGE, ...QUIET, clock: clock.fn });
    // 16 records of ~232 bytes fill a 4 KiB page (capacity ~3.5 KiB after the slot table).
    for (let i = 0; i < 14; i++) {
      cache.set(`old${i}`, value(i));
      clock.advance(1000);
    }
    // Touch the first half again: they become the most recently used.
    for (let i = 0; i < 7; i++) cache.get(`old${i}`);
    clock.advance(1000);
    for (let i = 0; i < 6; i++) {
      cache.set(`new${i}`, value(100 + i));
      clock.advance(1000);
    }
    const alive = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => cache.has(`${prefix}${i}`));
    expect(alive('new', 6).every(Boolean)).toBe(true);
    expect(alive('old', 7).every(Boolean)).toBe(true); // recently read: kept
    expect(
      alive('old', 14)
        .slice(7)
        .some((x) => !x),
    ).toBe(true); // least recently used: gone first
    const s = cache.stats();
    expect(s.evictions).toBeGreaterThan(0);
    expect(s.evictionsUnexpired).toBe(s.evictions);
    expect(s.items).toBe(20 - s.evictions);
    expect(cache.verify().ok).toBe(true);
  });

  it('after the clock is set back, evicts entries unused since before entries used since', () => {
    const clock = manualClock();
    const cache = t.open<Uint8Array>({ ...ONE_PAGE, ...QUIET, clock: clock.fn });
    cache.set('busy', value(9)); // written before the step, read after it
    for (let i = 0; i < 6; i++) cache.set(`idle${i}`, value(i)); // 15 entries: the page is full
    clock.advance(2_000);
    clock.advance(-3_600_000); // an NTP step back by an hour
    for (let i = 0; i < 8; i++) cache.set(`active${i}`, value(i));
    for (let round = 0; round < 3; round++) {
      clock.advance(1_500);
      for (let i = 0; i < 8; i++) cache.get(`active${i}`);
      cache.get('busy');
    }
    for (let i = 0; i < 4; i++) {
      clock.advance(1_000);
      cache.set(`new${i}`, value(i));
    }
    expect(cache.stats().evictionsUnexpired).toBeGreaterThan(0);
    for (let i = 0; i < 8; i++) expect(cache.has(`active${i}`)).toBe(true);
    expect(cache.has('busy')).toBe(true);
  });

  it('counts expired records dropped by compaction as expired, not as lost live data', () => {
    const clock = manualClock();
    const cache = t.open<Uint8Array>({ ...ONE_PAGE, ...QUIET, clock: clock.fn });
    for (let i = 0; i < 14; i++) cache.set(`short${i}`, value(i), { ttl: 1000 });
    clock.advance(1000);
    for (let i = 0; i < 10; i++) cache.set(`live${i}`, value(i));
    const s = cache.stats();
    expect(s.evictionsUnexpired).toBe(0);
    expect(s.expiredRemovals).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect(cache.has(`live${i}`)).toBe(true);
  });

  it('survives heavy delete churn (tombstones) and grows the slot table for tiny items', () => {
    const cache = t.open<number>({ pageSize: 4096, numPages: 1, ...QUIET });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 40; i++) cache.set(`r${round}:${i}`, i);
      for (let i = 0; i < 40; i++) if (i % 4 !== 0) cache.delete(`r${round}:${i}`);
    }
    expect(cache.verify().ok).toBe(true);
    for (const key of cache.keys()) expect(cache.get(key)).toBe(Number(key.split(':')[1]));
    for (let i = 0; i < 40; i += 4) expect(cache.get(`r19:${i}`)).toBe(i);
    // The initial 16-slot table holds 12 entries at most: it must have grown.
    expect(cache.stats().items).toBeGreaterThan(12);
  });
});

describe('pressure', () => {
  it('judges each interval when it ends: the whole count, the real span, once', () => {
    const clock = manualClock();
    const calls: PressureInfo[] = [];
    const cache = t.open<Uint8Array>({
      ...ONE_PAGE,
      clock: clock.fn,
      pressure: {
        maxEvictionsPerInterval: 2,
        intervalMs: 10_000,
        onPressure: (info) => calls.push(info),
      },
    });
    const evictedBefore = cache.stats().evictionsUnexpired;
    for (let i = 0; i < 60; i++) cache.set(`k${i}`, value(i));
    expect(calls).toHaveLength(0); // the interval is not over yet
    const evicted = cache.stats().evictionsUnexpired - evictedBefore;
    expect(evicted).toBeGreaterThan(10);
    clock.advance(12_000);
    cache.set('after', value(0)); // the first write after the interval closes it
    expect(calls).toHaveLength(1);
    const info = calls[0]!;
    // Every eviction of the window, not the one or two seen when the first happened.
    expect(info.evictedUnexpired).toBe(evicted);
    expect(info).toMatchObject({ intervalMs: 12_000, cacheSize: 4096, path: t.path });
    expect(info.suggestedCacheSize).toBeGreaterThan(4096 * 2);
    expect(info.suggestedCacheSize % 4096).toBe(0);
    cache.set('quiet', value(1));
    expect(calls).toHaveLength(1); // once per window
  });

  it('stays quiet while evictions are within the allowance', () => {
    const clock = manualClock();
    const onPressure = vi.fn();
    const cache = t.open<Uint8Array>({
      ...ONE_PAGE,
      clock: clock.fn,
      pressure: { maxEvictionsPerInterval: 1000, onPressure },
    });
    for (let i = 0; i < 60; i++) cache.set(`k${i}`, value(i));
    clock.advance(60_000);
    cache.set('after', value(0));
    expect(cache.stats().evictionsUnexpired).toBeGreaterThan(0);
    expect(onPressure).not.toHaveBeenCalled();
  });

  it('keeps judging after the clock is set back: a new window starts, not a silence of hours', () => {
    const clock = manualClock();
    const calls: PressureInfo[] = [];
    const cache = t.open<Uint8Array>({
      ...ONE_PAGE,
      clock: clock.fn,
      pressure: { intervalMs: 10_000, onPressure: (info) => calls.push(info) },
    });
    cache.set('start', value(0)); // opens the first window
    clock.advance(-3_600_000); // an NTP step back by an hour
    cache.set('after-step', value(0)); // starts a new window, judges nothing
    expect(calls).toHaveLength(0);
    for (let i = 0; i < 60; i++) cache.set(`k${i}`, value(i));
    clock.advance(12_000);
    cache.set('after', value(0));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.intervalMs).toBe(12_000);
  });

  it('reports a throwing onPressure as a warning: the write landed, and later ones do not throw', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const clock = manualClock();
      let calls = 0;
      const cache = t.open<Uint8Array>({
        ...ONE_PAGE,
        clock: clock.fn,
        pressure: {
          intervalMs: 10_000,
          onPressure: () => {
            calls++;
            throw new Error('alerting is down');
          },
        },
      });
      for (let i = 0; i < 60; i++) cache.set(`k${i}`, value(i));
      clock.advance(12_000);
      expect(() => cache.set('after', value(7))).not.toThrow();
      expect(cache.get('after')).toEqual(value(7));
      // Within the next window: neither judged again nor a throw.
      expect(() => cache.set('later', value(8))).not.toThrow();
      expect(calls).toBe(1);
      expect(spy).toHaveBeenCalledTimes(1);
      const [message, options] = spy.mock.calls[0] as [string, { code: string }];
      expect(options.code).toBe('FASTMMAP_PRESSURE_HOOK_FAILED');
      expect(message).toContain('alerting is down');
    } finally {
      spy.mockRestore();
    }
  });

  it('warns through process.emitWarning by default, saying what to do', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const clock = manualClock();
      const cache = t.open<Uint8Array>({ ...ONE_PAGE, clock: clock.fn });
      for (let i = 0; i < 60; i++) cache.set(`k${i}`, value(i));
      clock.advance(60_000);
      cache.set('after', value(0));
      expect(spy).toHaveBeenCalledTimes(1);
      const [message, options] = spy.mock.calls[0] as [string, { code: string }];
      expect(options.code).toBe('FASTMMAP_PRESSURE');
      expect(message).toMatch(/evicted \d+ unexpired items in 60000 ms/);
      expect(message).toMatch(/Raise cacheSize from 4096 to about \d+/);
    } finally {
      spy.mockRestore();
    }
  });
});
