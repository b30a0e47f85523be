import type { StoredData } from '../store/types.js';

/**
 * The one top-level key of a stored record that belongs to the manager, not to the user.
 * It is stripped before `session.data` is exposed and a user value under it is refused.
 */
export const META_KEY = '__fastmmap';

export type FlashMessages = Record<string, unknown[]>;

export interface SessionMeta {
  /** When the session was first saved (ms). Carried over by regenerate. */
  created: number;
  /** The last write or touch (ms): drives the touch throttle across processes. */
  touched: number;
  flash?: FlashMessages;
  /** Set on a tombstone: the session was destroyed and must not come back. */
  dead?: true;
}

export interface LoadedRecord {
  data: Record<string, unknown>;
  meta: SessionMeta;
}

function readMeta(value: unknown): SessionMeta | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const meta = value as Partial<SessionMeta>;
  if (typeof meta.created !== 'number' || typeof meta.touched !== 'number') return undefined;
  return meta as SessionMeta;
}

export function isTombstone(record: StoredData | undefined): boolean {
  return readMeta(record?.[META_KEY])?.dead === true;
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

export function tombstone(now: number): StoredData {
  const meta: SessionMeta = { created: now, touched: now, dead: true };
  return { [META_KEY]: meta };
}

export function buildRecord(data: Record<string, unknown>, meta: SessionMeta): StoredData {
  const stored: SessionMeta = { created: meta.created, touched: meta.touched };
  if (meta.flash !== undefined && Object.keys(meta.flash).length > 0) stored.flash = meta.flash;
  return { ...data, [META_KEY]: stored };
}
