import type { StoredData } from '../store/types.js';
import type { Changes } from './changes.js';
import { isCookieLifetime } from './options.js';
import { stampAge } from './stamp-age.js';

/**
 * The one top-level key of a stored record that belongs to the manager, not to the user.
 * It is stripped before `session.data` is exposed and a user value under it is refused.
 */
export const META_KEY = '__fastmmap';

export type FlashMessages = Record<string, unknown[]>;
/** Per flash key, how many messages have been read off the head of its queue, ever. */
export type FlashTaken = Record<string, number>;

export interface SessionMeta {
  /** When the session was first saved (ms). Carried over by regenerate. */
  created: number;
  /** The last write or touch (ms): drives the touch throttle across processes. */
  touched: number;
  /**
   * When the browser was last sent the cookie with a fresh expiry (ms): drives its throttle.
   * COOKIE_OWED (-1, which no clock reads): a lifetime was changed where no cookie could go
   * out (see cookieOwed).
   */
  cookieAt?: number;
  flash?: FlashMessages;
  /** See FlashTaken: lets overlapping requests replay their reads by position. */
  flashTaken?: FlashTaken;
  /**
   * This session's own lifetime (Session.maxAge): ms for the cookie and the store, or null for
   * a browser-session cookie. Absent: the manager's options.
   */
  maxAge?: number | null;
  /** Set on a tombstone: the session was destroyed and must not come back. */
  dead?: true;
  /** On regenerate()'s tombstone: a random mark that lets that request undo it (see regenerate-undo.ts). */
  mark?: string;
}

export interface LoadedRecord {
  data: Record<string, unknown>;
  meta: SessionMeta;
}

function readMeta(value: unknown): SessionMeta | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const meta = value as Partial<SessionMeta>;
  if (typeof meta.created !== 'number' || typeof meta.touched !== 'number') return undefined;
  const badCookieAt = meta.cookieAt !== undefined && typeof meta.cookieAt !== 'number';
  const badTaken = meta.flashTaken !== undefined && !isTakenCounts(meta.flashTaken);
  // A lifetime that is not one a session could set (another writer's record) is dropped.
  const badMaxAge =
    meta.maxAge !== undefined && meta.maxAge !== null && !isCookieLifetime(meta.maxAge);
  if (badCookieAt || badMaxAge || badTaken) {
    const fixed = { ...(meta as SessionMeta) };
    if (badCookieAt) fixed.cookieAt = undefined;
    if (badTaken) delete fixed.flashTaken;
    if (badMaxAge) delete fixed.maxAge;
    return fixed;
  }
  return meta as SessionMeta;
}

function isTakenCounts(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every((n) => Number.isSafeInteger(n) && n >= 0);
}

/** cookieAt of a session whose browser still holds a lifetime it changed since. */
export const COOKIE_OWED = -1;

/**
 * A lifetime changed where no cookie could go out (a WebSocket message, a streamed response):
 * the next response that can carry a cookie sends one, whatever the throttle or the stored
 * maxAge (null included: the browser still holds a persistent cookie) would say.
 */
export function cookieOwed(meta: SessionMeta): boolean {
  return meta.cookieAt === COOKIE_OWED;
}

export function isTombstone(record: StoredData | undefined): boolean {
  return readMeta(record?.[META_KEY])?.dead === true;
}

/**
 * A tombstone regenerate() wrote (it carries the undo's mark) less than `window` ms before
 * `now`: a login just now. A logout's (destroy()) is none: nothing a late request sends can
 * undo it, and a browser whose logout never arrived (revoked elsewhere, a lost response) must
 * be able to start over at once (a login form's CSRF token). A stamp ahead of `now` is a login
 * just now while less than `aheadLimit` ahead (another host's clock, a little ahead), and none
 * farther ahead (the clock stepped back since): read as one, it kept such a browser from
 * starting over until the clock caught up.
 */
export function isFreshLoginTombstone(
  record: StoredData | undefined,
  now: number,
  window: number,
  aheadLimit: number,
): boolean {
  const meta = readMeta(record?.[META_KEY]);
  return (
    meta?.dead === true &&
    meta.mark !== undefined &&
    stampAge(now, meta.touched, aheadLimit) < window
  );
}

/** The metadata of a stored record (adopted when missing), without copying its data. */
export function recordMeta(record: StoredData, now: number): SessionMeta {
  return readMeta(record[META_KEY]) ?? { created: now, touched: 0 };
}

/** Splits a stored record into user data and metadata; undefined for a tombstone. */
export function openRecord(record: StoredData | undefined, now: number): LoadedRecord | undefined {
  if (record === undefined) return undefined;
  const { [META_KEY]: rawMeta, ...data } = record;
  // A record written by something else (no metadata) is still a session: adopt it.
  const meta = readMeta(rawMeta) ?? { created: now, touched: 0 };
  if (meta.dead) return undefined;
  return { data, meta };
}

export function tombstone(now: number, mark?: string): StoredData {
  const meta: SessionMeta = { created: now, touched: now, dead: true };
  if (mark !== undefined) meta.mark = mark;
  return { [META_KEY]: meta };
}

function storedMeta(meta: SessionMeta): SessionMeta {
  const stored: SessionMeta = { created: meta.created, touched: meta.touched };
  if (meta.cookieAt !== undefined) stored.cookieAt = meta.cookieAt;
  if (meta.flash !== undefined && Object.keys(meta.flash).length > 0) stored.flash = meta.flash;
  if (meta.flashTaken !== undefined && Object.keys(meta.flashTaken).length > 0) {
    stored.flashTaken = meta.flashTaken;
  }
  if (meta.maxAge !== undefined) stored.maxAge = meta.maxAge;
  return stored;
}

export function buildRecord(data: Record<string, unknown>, meta: SessionMeta): StoredData {
  return { ...data, [META_KEY]: storedMeta(meta) };
}

/**
 * `current` (a stored record, or nothing) with this request's changes and new metadata: others'
 * keys survive. One copy of the record, where splitting and rebuilding it would take three.
 */
export function updateRecord(
  current: StoredData | undefined,
  changes: Changes,
  meta: SessionMeta,
): StoredData {
  if (changes.deleted.length > 0) {
    const { [META_KEY]: _, ...data } = current ?? {};
    const next = { ...data, ...changes.set };
    for (const key of changes.deleted) delete next[key];
    return buildRecord(next, meta);
  }
  const next: StoredData = { ...current, ...changes.set };
  next[META_KEY] = storedMeta(meta);
  return next;
}
