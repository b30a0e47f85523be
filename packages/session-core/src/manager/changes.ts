import { serialize } from 'node:v8';
import { SessionError } from '../errors.js';
import { META_KEY } from './record.js';

/** Each top-level key's value, encoded at load (or at the last commit). */
export type Snapshot = ReadonlyMap<string, Buffer>;

export interface Changes {
  /** Top-level keys written or changed by this request, with their new values. */
  set: Record<string, unknown>;
  /** Top-level keys this request removed. */
  deleted: string[];
}

// Structured-clone bytes compare deep values (Dates, Maps, nested objects) in one native call.
function encode(key: string, value: unknown): Buffer {
  try {
    return serialize(value);
  } catch (cause) {
    throw new SessionError(
      'ERR_SESSION_UNSUPPORTED_DATA',
      `session.data.${key} cannot be stored (functions, symbols and similar are not data)`,
      { cause },
    );
  }
}

export function takeSnapshot(data: Record<string, unknown>): Snapshot {
  const snapshot = new Map<string, Buffer>();
  for (const key of Object.keys(data)) snapshot.set(key, encode(key, data[key]));
  return snapshot;
}

export function diffSnapshot(snapshot: Snapshot, data: Record<string, unknown>): Changes {
  if (data === null || typeof data !== 'object') {
    throw new SessionError('ERR_SESSION_UNSUPPORTED_DATA', 'session.data must be an object');
  }
  const set: Record<string, unknown> = {};
  const keys = Object.keys(data);
  for (const key of keys) {
    if (key === META_KEY) {
      throw new SessionError(
        'ERR_SESSION_UNSUPPORTED_DATA',
        `session.data.${META_KEY} is reserved for the session manager`,
      );
    }
    const before = snapshot.get(key);
    const value = data[key];
    if (before === undefined || !before.equals(encode(key, value))) set[key] = value;
  }
  const present = new Set(keys);
  const deleted = [...snapshot.keys()].filter((key) => !present.has(key));
  return { set, deleted };
}

export function hasChanges(changes: Changes): boolean {
  return changes.deleted.length > 0 || Object.keys(changes.set).length > 0;
}

/** The stored data with only this request's changes applied: others' keys survive. */
export function applyChanges(
  current: Record<string, unknown>,
  changes: Changes,
): Record<string, unknown> {
  const next = { ...current, ...changes.set };
  for (const key of changes.deleted) delete next[key];
  return next;
}
