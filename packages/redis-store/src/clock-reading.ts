import { type Clock, SessionError } from '@fastmmap/session-core';
import { MAX_EXPIRY } from './record.js';

/**
 * A reading of the store's clock, checked before it reaches a record: NaN (a clock returning
 * a Date or undefined) or a negative reading made the 15-digit expiry unwritable ("NaN",
 * "-999000"), so store() and touch() wrote records that every later read refused as corrupt.
 * A reading at or past the latest expiry a record can hold would store sessions already
 * expired.
 */
export function readClock(clock: Clock): number {
  const now: unknown = clock();
  if (typeof now === 'number' && Number.isFinite(now) && now >= 0 && now < MAX_EXPIRY) return now;
  throw new SessionError(
    'ERR_SESSION_OPTIONS',
    `RedisStore: clock() must return ms since the epoch (a finite number >= 0 and below ${MAX_EXPIRY}), got ${typeof now === 'number' ? now : typeof now}`,
  );
}
