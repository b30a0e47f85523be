import { setTimeout as sleep } from 'node:timers/promises';
import type { FastMmapCache, HeldLock } from '@fastmmap/session-core/cache';

/** How long, and how many times, a lock must be seen held before it counts as kept. */
export interface SamplingWindow {
  minMs: number;
  minLooks: number;
  /** On a machine too busy to give minLooks looks in time, stop here anyway. */
  maxMs: number;
}

const LOOK_EVERY_MS = 2;

/**
 * The locks that every look, for the whole window, found held by one thread with no write to
 * their pages: a lock is held for microseconds, so on a busy file each one is seen free, by
 * another holder or with new writes between two looks. `from` goes on watching the locks an
 * earlier window kept. Takes no lock; a quiet file costs one look.
 */
export async function heldThroughout(
  cache: FastMmapCache<Uint8Array>,
  window: SamplingWindow,
  from: HeldLock[] = cache.heldLocks(),
): Promise<HeldLock[]> {
  const started = performance.now();
  let kept = from;
  for (let looks = 1; kept.length > 0; looks++) {
    const elapsed = performance.now() - started;
    if ((elapsed >= window.minMs && looks >= window.minLooks) || elapsed >= window.maxMs) break;
    await sleep(LOOK_EVERY_MS);
    const now = new Map(cache.heldLocks().map((lock) => [lock.stripe, lock]));
    kept = kept.filter((lock) => {
      const again = now.get(lock.stripe);
      return again?.threadId === lock.threadId && again.writes === lock.writes;
    });
  }
  return kept;
}
