import type { Clock } from '../cache/types.js';
import { SessionError } from '../errors.js';

/**
 * A reading of a store's injected clock, checked as the cache checks its own: NaN (a clock
 * returning a Date or undefined) made every expiry NaN, which no time reaches, so sessions
 * never expired and, while the clock read NaN, expired ones were served again.
 */
export function readClock(clock: Clock, storeName: string): number {
  const now: unknown = clock();
  if (typeof now === 'number' && Number.isFinite(now) && now >= 0) return now;
  throw new SessionError(
    'ERR_SESSION_OPTIONS',
    `${storeName}: clock() must return ms since the epoch (a finite number >= 0), got ${typeof now === 'number' ? now : typeof now}`,
  );
}
