import { randomInt } from 'node:crypto';
import type { PageStore } from './page-store.js';

/**
 * Pages' bytes one look walks at most: about 3 ms here (a whole 1 GiB file took 0.2-0.8 s, all
 * in the write that reports pressure). Later looks go on where the last stopped.
 */
const LOOK_BYTES = 4 * 1024 * 1024;

/**
 * The largest record known, for the pressure warning's page size advice, by rounds of the
 * file: each look walks the slot tables of the next few pages without locks (a small file is
 * read whole at once, a large one over several reports), and a round ends when the looks have
 * read every page once. The answer is the largest of the last complete round and of the one
 * in progress, each with the records this process wrote meanwhile (kept after an eviction took
 * them out of the file). So every page counts (the last round read them all), and a large
 * session that left stops counting once a round has gone by without it: the figure never
 * went down in a process, and the advice stayed inflated.
 */
export class LargestRecord {
  /** The largest of the round in progress: its pages read, this process's writes since. */
  private current = 0;
  /** The largest of the last complete round (0 before one). */
  private last = 0;
  /** A page of the round in progress could not be read (a write overlapped): it lowers nothing. */
  private partial = false;
  /** Where the next look starts: at random at first, so that workers look at different pages. */
  private nextPage = -1;
  /** Pages the round in progress has still to read. */
  private pagesLeft = 0;
  /** A round has read every page: the answer is no longer a lower bound. */
  wholeFileRead = false;

  /** A record of `size` bytes was written: one comparison, on every write. */
  written(size: number): void {
    if (size > this.current) this.current = size;
  }

  /** Looks at the next pages (at most LOOK_BYTES of them), then answers. */
  look(store: PageStore, numPages: number): number {
    const pages = Math.min(numPages, Math.max(1, Math.floor(LOOK_BYTES / store.pageSize)));
    if (this.nextPage < 0) {
      this.nextPage = randomInt(numPages);
      this.pagesLeft = numPages;
    }
    for (let n = 0; n < pages; n++) {
      const size = store.largestRecord(this.nextPage);
      if (size < 0) this.partial = true;
      else this.written(size);
      this.nextPage = (this.nextPage + 1) % numPages;
      if (--this.pagesLeft === 0) this.endRound(numPages);
    }
    return Math.max(this.last, this.current);
  }

  private endRound(numPages: number): void {
    // A round that could not read a page may have missed its largest record: it only adds.
    this.last = this.partial ? Math.max(this.last, this.current) : this.current;
    this.current = 0;
    this.partial = false;
    this.pagesLeft = numPages;
    this.wholeFileRead = true;
  }

  /** The share of the file's pages read so far: 1 once a round is complete. */
  shareRead(numPages: number): number {
    if (this.wholeFileRead) return 1;
    return this.nextPage < 0 ? 0 : 1 - this.pagesLeft / numPages;
  }
}
