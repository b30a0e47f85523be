/**
 * How long getAndSet waits before it re-runs fn after losing the compare-and-set race. The
 * first two retries go at once: usually one other writer won, and the script has handed back
 * the record it wrote, the newest one. After that a random wait (full jitter) whose cap
 * doubles with each loss, up to 50 ms, spreads many writers apart. Never past the deadline.
 */
export function retryDelay(attempt: number, msLeft: number): number {
  if (attempt < 2) return 0;
  return Math.max(0, Math.min(Math.random() * Math.min(2 ** (attempt - 1), 50), msLeft));
}
