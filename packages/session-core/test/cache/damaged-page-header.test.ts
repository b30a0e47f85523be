import { closeSync, openSync, writeSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HEADER_SIZE, PAGE_HEADER_SIZE } from '../../src/cache/layout.js';
import { renderPrometheus } from '../../src/metrics/index.js';
import { scratchDir } from './helpers.js';

// Something other than the library wrote over one page's header (the counters live there
// too). stats() must not add that garbage to its totals: it once reported ~1e9 items and
// ~1e19 evictions for one such page, and the CLI raised three false alarms.
let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const GEOMETRY = { pageSize: 4096, numPages: 4, lockStripes: 1 };
const DAMAGED = 1;

/** Fills page DAMAGED's header of the closed file with a fixed non-zero pattern. */
function overwritePageHeader(path: string): void {
  const garbage = Buffer.alloc(PAGE_HEADER_SIZE);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 37 + 11) & 0xff;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, garbage, 0, garbage.length, HEADER_SIZE + DAMAGED * GEOMETRY.pageSize);
  } finally {
    closeSync(fd);
  }
}

describe('stats() of a file with a page header written over', () => {
  it('leaves the page out of the totals and counts it damaged until a write starts it over', () => {
    const cache = t.open(GEOMETRY);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const key of keys) cache.set(key, key);
    for (const key of keys) cache.get(key);
    const before = cache.stats();
    cache.close();
    const onDamaged = before.pages[DAMAGED]!.items;
    expect(onDamaged).toBeGreaterThan(0);
    overwritePageHeader(t.path);

    const damaged = t.open(GEOMETRY);
    const stats = damaged.stats();
    expect(stats.damagedPages).toBe(1);
    expect(stats.pages.map((p) => p.damaged)).toEqual([false, true, false, false]);
    expect(stats.pages[DAMAGED]).toMatchObject({ items: 0, bytesUsed: 0, fill: 0 });
    expect(stats.items).toBe(before.items - onDamaged);
    expect(stats.hits).toBeLessThan(before.hits);
    expect(stats.evictionsUnexpired).toBe(0);
    expect(stats.repairedPages).toBe(0);
    expect(damaged.verify().badPages).toBe(1); // the check agrees on which pages are bad
    expect(renderPrometheus(damaged)).toMatch(/^fastmmap_damaged_pages 1$/m);

    // The next write to that page starts it over; the other pages keep every key.
    for (const key of keys) damaged.set(key, `${key}!`);
    const after = damaged.stats();
    expect(after.damagedPages).toBe(0);
    expect(after.repairedPages).toBe(1);
    expect(after.items).toBe(keys.length);
    expect(damaged.verify().ok).toBe(true);
  });
});
