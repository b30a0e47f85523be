import { SessionError } from '../errors.js';
import type { Store } from './types.js';

const MAX_INTERVAL_MS = 2 ** 31 - 1;

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
  // Node's timers take at most 2^31 - 1 ms (~24.8 days); a longer interval fires every 1 ms.
  if (typeof intervalMs !== 'number' || !(intervalMs >= 1 && intervalMs <= MAX_INTERVAL_MS)) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      `startSweeper: intervalMs must be a number of ms from 1 to ${MAX_INTERVAL_MS} (about 24.8 days), got ${typeof intervalMs === 'number' ? String(intervalMs) : typeof intervalMs}`,
    );
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
