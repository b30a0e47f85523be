/** A private buffer to sleep on (Atomics.wait is the only synchronous sleep in Node). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` milliseconds: for waits inside synchronous cache calls. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}
