import { describe, expect, it } from 'vitest';
import { LargestRecord } from '../../src/cache/largest-record.js';
import type { PageStore } from '../../src/cache/page-store.js';
import { scratchDir } from './helpers.js';

/** A file of `sizes.length` pages of 1 MiB whose largest records are `sizes`; counts reads. */
function fakeStore(sizes: number[]) {
  const read: number[] = [];
  const store = {
    pageSize: 1024 * 1024,
    largestRecord: (page: number) => {
      read.push(page);
      return sizes[page] ?? 0;
    },
  } as unknown as PageStore;
  return { store, read };
}

describe('PageStore.largestRecord', () => {
  it('answers 0 for a page a writer is inside (odd generation): a misread would stay', () => {
    const t = scratchDir();
    try {
      const cache = t.open({ pageSize: 65_536, numPages: 1, lockStripes: 1 });
      cache.set('big', 'x'.repeat(30_000));
      const store = (cache as unknown as { store: PageStore }).store;
      const g = store.genIndex(store.base(0));
      expect(store.largestRecord(0)).toBeGreaterThan(30_000);
      Atomics.add(store.i32, g, 1);
      expect(store.largestRecord(0)).toBe(0);
      Atomics.add(store.i32, g, 1);
      expect(store.largestRecord(0)).toBeGreaterThan(30_000);
      cache.close();
    } finally {
      t.cleanup();
    }
  });
});

describe('LargestRecord', () => {
  it('walks at most 4 MiB of pages per look, going on where it stopped, round the file', () => {
    // A review: the whole walk of a 1 GiB file took 0.2-0.8 s, in the write that reported.
    const { store, read } = fakeStore([100, 0, 0, 0, 0, 0, 0, 9_000, 0, 0]);
    const largest = new LargestRecord();
    const seen = [largest.look(store, 10)];
    expect(read).toHaveLength(4);
    seen.push(largest.look(store, 10), largest.look(store, 10));
    expect(read).toHaveLength(12);
    // From a random first page (workers look at different ones), one after another.
    const first = read[0]!;
    expect(read).toEqual(read.map((_, i) => (first + i) % 10));
    expect(seen.at(-1)).toBe(9_000); // every page seen by now
    // Never down.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('starts at different pages in different processes', () => {
    const firsts = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const { store, read } = fakeStore(Array(100).fill(0));
      new LargestRecord().look(store, 100);
      firsts.add(read[0]!);
    }
    expect(firsts.size).toBeGreaterThan(1);
  });

  it("keeps what this process wrote after the file lost it (an eviction), and a small file's pages once", () => {
    const { store, read } = fakeStore([10, 20]);
    const largest = new LargestRecord();
    largest.written(50_000);
    expect(largest.look(store, 2)).toBe(50_000);
    // Each page once, from a random first one.
    expect([...read].sort()).toEqual([0, 1]);
  });
});
