import { FastMmapError } from './errors.js';
import { sleepSync } from './sleep-sync.js';

/** The clock and sleep of the wait (injected by tests). */
export interface WaitClock {
  now(): number;
  sleep(ms: number): void;
}

const realTime: WaitClock = {
  now: () => performance.now(),
  sleep: sleepSync,
};

/**
 * A reader's memo of the odd generations it judged a dead writer's, by generation index: until
 * a writer locks the page (and so moves its generation on), each read of it would wait the
 * grace again. Nothing is lost by trusting it: after the grace a run is taken as it is anyway.
 */
export type DeadWrites = Map<number, number>;

/** A writer keeps a page for microseconds: a generation odd for this long is a writer that died. */
const TORN_GRACE_MS = 20;

/**
 * How a reader without page locks (a read-only open: the locks live in the file, which its
 * mapping cannot write, so no reader can make the app's writers wait) reads a page consistently: a seqlock on
 * the page generation, `read` re-run until no writer got in meanwhile. A generation that stays
 * odd is a writer that died (or is stopped) mid-write: when one odd generation has lasted the
 * grace (20 ms, or lockTimeout if shorter; `graceMs` for a caller that looks again itself), one
 * run is taken as it is.
 * `read` must check each record's checksum on a private copy, so no run can return a wrong
 * value, only miss what a writer was moving.
 */
export function readStablePage<T>(
  i32: Int32Array,
  genIndex: number,
  timeoutMs: number,
  read: () => T,
  time: WaitClock = realTime,
  dead?: DeadWrites,
  graceMs = TORN_GRACE_MS,
): T {
  const started = time.now();
  const grace = Math.min(graceMs, timeoutMs);
  let sleepMs = 0.05;
  // The odd generation last seen and since when: only one write that lasts the whole grace
  // counts as a dead writer's, not a busy page's stream of short writes.
  let oddGen = 0;
  let oddSince = 0;
  for (;;) {
    const gen = Atomics.load(i32, genIndex);
    const now = time.now();
    const waited = now - started;
    if ((gen & 1) !== 0 && gen !== oddGen) {
      oddGen = gen;
      // An odd generation a run already outlasted is that dead writer's still: no wait again.
      oddSince = dead?.get(genIndex) === gen ? now - grace : now;
    }
    if ((gen & 1) === 0 || now - oddSince >= grace) {
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
        if ((gen & 1) !== 0) dead?.set(genIndex, gen);
        else if (dead?.has(genIndex)) dead.delete(genIndex);
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
    time.sleep(sleepMs);
    sleepMs = Math.min(sleepMs * 2, 2);
  }
}
