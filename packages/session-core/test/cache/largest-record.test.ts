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
  it('answers -1 (unknown) for a page a writer is inside (odd generation)', () => {
    const t = scratchDir();
    try {
      const cache = t.open({ pageSize: 65_536, numPages: 1, lockStripes: 1 });
      cache.set('big', 'x'.repeat(30_000));
      const store = (cache as unknown as { store: PageStore }).store;
      const g = store.genIndex(store.base(0));
      expect(store.largestRecord(0)).toBeGreaterThan(30_000);
      Atomics.add(store.i32, g, 1);
      expect(store.largestRecord(0)).toBe(-1);
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
    // The pages unchanged: never down.
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

  it('lets a large record that left go once a round of the file has gone by without it', () => {
    const sizes = [100, 0, 0, 0, 0, 0, 0, 9_000, 0, 0];
    const { store } = fakeStore(sizes);
    const largest = new LargestRecord();
    largest.written(20_000);
    const looks = (n: number) => Array.from({ length: n }, () => largest.look(store, 10));
    expect(looks(3).at(-1)).toBe(20_000); // the round that ended in the 3rd look counted the write
    sizes[7] = 0; // the 9 KB session left, and this process wrote no large one since
    // 4 pages a look: two more rounds end within 6 looks, the second without it or the write.
    const after = looks(6);
    expect(after[0]).toBe(20_000); // the last complete round's, until the next ends
    expect(after).toEqual([...after].sort((a, b) => b - a));
    expect(after.at(-1)).toBe(100);
  });

  it('lowers nothing by a round in which a write overlapped the read of a page', () => {
    const sizes: number[] = [300, 0];
    const { store } = fakeStore(sizes);
    const largest = new LargestRecord();
    expect(largest.look(store, 2)).toBe(300); // 2 pages of 1 MiB: a round per look
    sizes[0] = -1; // a writer inside it at each look
    expect(largest.look(store, 2)).toBe(300);
    sizes[0] = 50;
    expect(largest.look(store, 2)).toBe(50);
  });
});
