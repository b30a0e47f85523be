import type { Clock } from '../cache/types.js';
import { SessionError } from '../errors.js';
import { readClock } from '../store/clock-reading.js';

/** The last time a Date can hold (ms since the epoch). */
const LAST_DATE_MS = 8.64e15;

/**
 * The manager's injected clock, each reading checked as the stores check theirs, and also
 * against the cookie's Expires: a reading plus a lifetime (up to `maxDurationMs`) past the
 * last date a Date can hold made every cookie an Invalid Date, a bare TypeError at commit
 * (a clock in microseconds or nanoseconds gives such readings).
 */
export function managerClock(clock: Clock, maxDurationMs: number): Clock {
  const latest = LAST_DATE_MS - maxDurationMs;
  return () => {
    const now = readClock(clock, 'session manager');
    if (now <= latest) return now;
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      `session manager: clock() must return ms since the epoch, got ${now}: past ${latest}, the latest reading a cookie's Expires can follow (a clock in µs or ns?)`,
    );
  };
}
