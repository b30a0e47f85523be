import { describe, expect, it } from 'vitest';
import { LargestRecord } from '../../src/cache/largest-record.js';
import type { PageStore } from '../../src/cache/page-store.js';

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

describe('LargestRecord', () => {
  it('walks at most 4 MiB of pages per look, going on where it stopped, round the file', () => {
    // A review: the whole walk of a 1 GiB file took 0.2-0.8 s, in the write that reported.
    const { store, read } = fakeStore([100, 0, 0, 0, 0, 0, 0, 9_000, 0, 0]);
    const largest = new LargestRecord();
    expect(largest.look(store, 10)).toBe(100);
    expect(read).toEqual([0, 1, 2, 3]);
    expect(largest.look(store, 10)).toBe(9_000);
    expect(largest.look(store, 10)).toBe(9_000); // never goes down
    expect(read.slice(4)).toEqual([4, 5, 6, 7, 8, 9, 0, 1]);
  });

  it("keeps what this process wrote after the file lost it (an eviction), and a small file's pages once", () => {
    const { store, read } = fakeStore([10, 20]);
    const largest = new LargestRecord();
    largest.written(50_000);
    expect(largest.look(store, 2)).toBe(50_000);
    expect(read).toEqual([0, 1]);
  });
});
