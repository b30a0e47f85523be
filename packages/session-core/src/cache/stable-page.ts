import { FastMmapError } from './errors.js';

/** A private buffer to sleep on (Atomics.wait is the only synchronous sleep in Node). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** A writer keeps a page for microseconds: a generation odd for this long is a writer that died. */
const TORN_GRACE_MS = 20;

/**
 * How a reader without page locks (another user's read-only open: lock files are the owner's
 * alone, so no reader can make the app's writers wait) reads a page consistently: a seqlock on
 * the page generation, `read` re-run until no writer got in meanwhile. A generation that stays
 * odd is a writer that died (or is stopped) mid-write: after a grace, one run is taken as it is.
 * `read` must check each record's checksum on a private copy, so no run can return a wrong
 * value, only miss what a writer was moving.
 */
export function readStablePage<T>(
  i32: Int32Array,
  genIndex: number,
  timeoutMs: number,
  read: () => T,
): T {
  const started = performance.now();
  let sleepMs = 0.05;
  for (;;) {
    const gen = Atomics.load(i32, genIndex);
    const waited = performance.now() - started;
    if ((gen & 1) === 0 || waited >= TORN_GRACE_MS) {
      let result: T | undefined;
      let failure: unknown;
      let failed = false;
      try {
        result = read();
      } catch (err) {
        failed = true;
        failure = err;
      }
      if (Atomics.load(i32, genIndex) === gen) {
        if (failed) throw failure;
        return result as T;
      }
    }
    if (waited > timeoutMs) {
      throw new FastMmapError(
        'ERR_FASTMMAP_LOCK_TIMEOUT',
        `a page kept changing under a reader without locks for ${timeoutMs} ms`,
      );
    }
    Atomics.wait(sleepCell, 0, 0, sleepMs);
    sleepMs = Math.min(sleepMs * 2, 2);
  }
}
