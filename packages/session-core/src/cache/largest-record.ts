import { randomInt } from 'node:crypto';
import type { PageStore } from './page-store.js';

/**
 * Pages' bytes one look walks at most: about 3 ms here (a whole 1 GiB file took 0.2-0.8 s, all
 * in the write that reports pressure). Later looks go on where the last stopped.
 */
const LOOK_BYTES = 4 * 1024 * 1024;

/**
 * The largest record known, for the pressure warning's page size advice: the largest this
 * process wrote (kept after an eviction took it out of the file), and the largest of the pages
 * looked at so far, other processes' records included. Each look walks the slot tables of the
 * next few pages without locks, round the file: a small file is read whole at once, a large one
 * over several reports. The figure never goes down.
 */
export class LargestRecord {
  private largest = 0;
  /** Where the next look starts: at random at first, so that workers look at different pages. */
  private nextPage = -1;

  /** A record of `size` bytes was written: one comparison, on every write. */
  written(size: number): void {
    if (size > this.largest) this.largest = size;
  }

  /** Looks at the next pages (at most LOOK_BYTES of them), then answers. */
  look(store: PageStore, numPages: number): number {
    const pages = Math.min(numPages, Math.max(1, Math.floor(LOOK_BYTES / store.pageSize)));
    if (this.nextPage < 0) this.nextPage = randomInt(numPages);
    for (let n = 0; n < pages; n++) {
      this.written(store.largestRecord(this.nextPage));
      this.nextPage = (this.nextPage + 1) % numPages;
    }
    return this.largest;
  }
}
