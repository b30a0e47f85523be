import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastMmapError } from '../../src/cache/index.js';
import { codeOf, manualClock, SMALL, scratchDir } from './helpers.js';

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

describe('expiry (injected clock, no sleeping)', () => {
  it('expires an entry exactly at now + ttl', () => {
    const clock = manualClock();
    const cache = t.open({ clock: clock.fn });
    cache.set('k', 'v', { ttl: 1000 });
    clock.advance(999);
    expect(cache.get('k')).toBe('v');
    clock.advance(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.has('k')).toBe(false);
    expect(cache.getEntry('k')).toBeUndefined();
    expect([...cache.keys()]).toEqual([]);
  });

  it('applies expireTime as the default ttl, and ttl 0 means never', () => {
    const clock = manualClock();
    const cache = t.open({ clock: clock.fn, expireTime: 500 });
    cache.set('default', 1);
    cache.set('forever', 2, { ttl: 0 });
    cache.set('longer', 3, { ttl: 10_000 });
    clock.advance(500);
    expect(cache.get('default')).toBeUndefined();
    expect(cache.get('forever')).toBe(2);
    expect(cache.get('longer')).toBe(3);
    clock.advance(10 * 365 * 86_400_000);
    expect(cache.get('forever')).toBe(2);
    expect(cache.getEntry('forever')?.expiresAt).toBe(0);
  });

  it('an expired entry is a miss for getAndSet, getAndDelete, delete and touch', () => {
    const clock = manualClock();
    const cache = t.open<number>({ clock: clock.fn });
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, 1, { ttl: 10 });
    clock.advance(10);
    expect(cache.getAndSet('a', (v) => (v ?? 100) + 1)).toBe(101);
    expect(cache.getAndDelete('b')).toBeUndefined();
    expect(cache.delete('c')).toBe(false);
    expect(cache.touch('d', { ttl: 1000 })).toBe(false);
    expect(cache.get('d')).toBeUndefined();
  });

  it('purge() removes expired entries, counts them, and leaves live ones', () => {
    const clock = manualClock();
    const cache = t.open({ ...SMALL, clock: clock.fn });
    for (let i = 0; i < 30; i++) cache.set(`k${i}`, i, { ttl: i < 20 ? 100 : 0 });
    clock.advance(100);
    expect(cache.purge()).toBe(20);
    expect(cache.purge()).toBe(0);
    expect(cache.stats()).toMatchObject({ items: 10, expiredRemovals: 20 });
    expect([...cache.keys()]).toHaveLength(10);
    expect(cache.verify().ok).toBe(true);
  });

  it('a read of an expired entry under the lock removes it and counts it', () => {
    const clock = manualClock();
    const cache = t.open({ clock: clock.fn });
    cache.set('k', 1, { ttl: 5 });
    clock.advance(5);
    expect(cache.delete('k')).toBe(false);
    expect(cache.stats()).toMatchObject({ items: 0, expiredRemovals: 1, deletes: 0 });
  });

  it('expiry is absolute: another process (clock) agrees on it', () => {
    const clock = manualClock();
    const writer = t.open({ clock: clock.fn });
    writer.set('k', 'v', { ttl: 60_000 });
    const laterClock = manualClock(clock.now + 60_000);
    const reader = t.open({ clock: laterClock.fn });
    expect(reader.get('k')).toBeUndefined();
    expect(writer.get('k')).toBe('v');
  });

  it('rejects negative, NaN and infinite ttls', () => {
    const cache = t.open();
    for (const ttl of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => cache.set('k', 1, { ttl })).toThrow(FastMmapError);
      expect(() => cache.touch('k', { ttl })).toThrow(/ttl/);
    }
    expect(cache.has('k')).toBe(false);
  });

  it('a clock reading that is not a finite number >= 0: ERR_FASTMMAP_INVALID_OPTION, nothing changes', () => {
    // NaN made expiresAt NaN, which no time reaches (served for good, and expired entries were
    // served again); -1000 with a 1000 ms ttl made it 0, which means "never".
    let reading: unknown = Date.UTC(2026, 0, 1);
    const cache = t.open({ clock: () => reading as number });
    cache.set('expired', 'old', { ttl: 1000 });
    cache.set('kept', 'v', { ttl: 60_000 });
    const good = (reading as number) + 5000;
    for (const bad of [Number.NaN, new Date(good), undefined, -1000, Number.POSITIVE_INFINITY]) {
      reading = bad;
      for (const call of [
        () => cache.get('expired'),
        () => cache.has('expired'),
        () => cache.getEntry('expired'),
        () => cache.set('new', 'n', { ttl: 1000 }),
        () => cache.getAndSet('kept', () => 'changed'),
        () => cache.touch('kept', { ttl: 1000 }),
        () => cache.delete('kept'),
        () => cache.purge(),
      ]) {
        expect(codeOf(call), String(bad)).toBe('ERR_FASTMMAP_INVALID_OPTION');
      }
    }
    reading = good;
    expect(cache.get('expired')).toBeUndefined();
    expect(cache.has('new')).toBe(false);
    expect(cache.getEntry('kept')).toMatchObject({
      value: 'v',
      expiresAt: Date.UTC(2026, 0, 1) + 60_000,
    });
    expect(cache.stats()).toMatchObject({ sets: 2, deletes: 0 });
  });

  it('lastAccess is refreshed by reads at most once a second', () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 0, 0, 0, 0));
    const cache = t.open({ clock: clock.fn });
    cache.set('k', 1);
    clock.advance(400);
    cache.get('k');
    expect(cache.getEntry('k')?.lastAccess).toBe(Date.UTC(2026, 0, 1));
    clock.advance(2000);
    cache.get('k');
    expect(cache.getEntry('k')?.lastAccess).toBe(Date.UTC(2026, 0, 1, 0, 0, 2));
  });
});

describe('purgePages', () => {
  it('purges only the pages asked for, clamped to the file; purge() is all of them', () => {
    const clock = manualClock();
    const cache = t.open<number>({ clock: clock.fn, numPages: 8, pageSize: 4096 });
    for (let i = 0; i < 80; i++) cache.set(`k${i}`, i, { ttl: 1000 });
    clock.advance(1000);
    const first = cache.purgePages(0, 3);
    const rest = cache.purgePages(3, 1000);
    expect(first).toBeGreaterThan(0);
    expect(first + rest).toBe(80);
    expect(cache.purge()).toBe(0);
    expect(cache.numPages).toBe(8);
    for (const bad of [
      [-1, 2],
      [0, 1.5],
      [Number.NaN, 1],
    ] as const) {
      expect(() => cache.purgePages(bad[0], bad[1])).toThrow(FastMmapError);
    }
  });
});
