import type { Store } from './types.js';

export interface SweeperOptions {
  /** Receives every failed sweep. Default: one console.warn for the first failure, then silence. */
  onError?: (err: unknown) => void;
  /** Receives the count of each successful sweep (for logs or metrics). */
  onSweep?: (removed: number) => void;
}

/**
 * Calls `store.deleteExpired()` every `intervalMs` on an unref'd timer (it never keeps the
 * process alive) and returns a function that stops it. A sweep never overlaps the previous
 * one, and a failing sweep never throws: the error goes to `onError`.
 */
export function startSweeper(
  store: Pick<Store, 'deleteExpired'>,
  intervalMs: number,
  options: SweeperOptions = {},
): () => void {
  if (!Number.isFinite(intervalMs) || intervalMs < 1) {
    throw new RangeError(`intervalMs must be a finite number >= 1, got ${String(intervalMs)}`);
  }
  let warned = false;
  const onError =
    options.onError ??
    ((err: unknown) => {
      if (warned) return;
      warned = true;
      console.warn(
        '[fastmmap-session] deleteExpired failed (further failures are not logged):',
        err,
      );
    });
  let running = false;
  let stopped = false;
  const sweep = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      const removed = await store.deleteExpired();
      options.onSweep?.(removed);
    } catch (err) {
      try {
        onError(err);
      } catch {
        // A throwing error handler must not turn into an unhandled rejection.
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
