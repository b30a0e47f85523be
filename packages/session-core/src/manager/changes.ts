import { serialize } from 'node:v8';
import { SessionError } from '../errors.js';
import { copyValue, equalsCopy, setOwn, UNSUPPORTED } from '../store/data-copy.js';
import { unreadableData } from '../store/validate.js';
import { META_KEY } from './record.js';

/**
 * Each top-level key's value as of load (or the last commit): a primitive as it is, plain
 * data (objects, arrays, Dates) as a private deep copy, anything else (Map, Set, typed
 * arrays...) as its structured-clone bytes. Copies and bytes both catch nested mutation.
 * Keys and entries side by side, in the data's key order: a diff usually finds every key at
 * the same place, so no Map is built (two per request were ~400 B of garbage).
 */
export interface Snapshot {
  readonly keys: readonly string[];
  readonly entries: readonly unknown[];
}

export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({ keys: [], entries: [] });

/** A snapshot entry holding a deep copy (a class, so no user value can pass for one). */
class Copy {
  constructor(readonly value: object) {}
}

export interface Changes {
  /** Top-level keys written or changed by this request, with their new values. */
  set: Record<string, unknown>;
  /** Top-level keys this request removed. */
  deleted: string[];
}

export interface Diff {
  changes: Changes;
  /** The snapshot of the data as diffed: what the store holds for our keys once it is written. */
  next: Snapshot;
}

/** Primitives are immutable: kept as they are and compared with Object.is, no encoding. */
function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return value === null || (type !== 'object' && type !== 'function' && type !== 'symbol');
}

function encode(key: string, value: unknown): Buffer {
  try {
    return serialize(value);
  } catch (cause) {
    // v8.serialize runs out of stack on very deep nesting (a RangeError), else it met a value
    // it cannot clone.
    const why =
      cause instanceof RangeError
        ? 'it is nested too deeply'
        : 'functions, symbols and similar are not data';
    throw new SessionError(
      'ERR_SESSION_UNSUPPORTED_DATA',
      `session.data.${key} cannot be stored (${why})`,
      { cause },
    );
  }
}

function snapshotValue(key: string, value: unknown): unknown {
  if (isPrimitive(value)) return value;
  const copied = copyValue(value as object);
  return copied === UNSUPPORTED ? encode(key, value) : new Copy(copied);
}

export function takeSnapshot(data: Record<string, unknown>): Snapshot {
  const keys = Object.keys(data);
  const entries = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) entries[i] = snapshotValue(keys[i]!, data[keys[i]!]);
  return { keys, entries };
}

/** Where each key of `snapshot` is: built only when a diff finds keys out of their place. */
function positions(snapshot: Snapshot): Map<string, number> {
  return new Map(snapshot.keys.map((key, i) => [key, i]));
}

/** The entry for `value` if it differs from `before`; `before` itself when it does not. */
function compare(key: string, before: unknown, value: unknown): unknown {
  if (isPrimitive(value)) return Object.is(before, value) && isPrimitive(before) ? before : value;
  if (before instanceof Copy && equalsCopy(before.value, value as object)) return before;
  const now = snapshotValue(key, value);
  if (now instanceof Buffer) {
    // Not plain data: compare encodings, as for every value before copies were used.
    const old = before instanceof Copy ? encode(key, before.value) : before;
    if (old instanceof Buffer && old.equals(now)) return before;
  }
  return now;
}

/**
 * What changed in `data` since `snapshot`. A getter of the app's that throws while it is read
 * gives ERR_SESSION_UNSUPPORTED_DATA, as a store would.
 */
export function diffSnapshot(snapshot: Snapshot, data: Record<string, unknown>): Diff {
  try {
    return diff(snapshot, data);
  } catch (err) {
    throw unreadableData(err);
  }
}

function diff(snapshot: Snapshot, data: Record<string, unknown>): Diff {
  if (data === null || typeof data !== 'object') {
    throw new SessionError('ERR_SESSION_UNSUPPORTED_DATA', 'session.data must be an object');
  }
  const set: Record<string, unknown> = {};
  const keys = Object.keys(data);
  const entries = new Array<unknown>(keys.length);
  const before = snapshot.keys;
  let index: Map<string, number> | undefined;
  // Every key found at its old place, and as many keys as before: nothing was deleted.
  let aligned = keys.length === before.length;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === META_KEY) {
      throw new SessionError(
        'ERR_SESSION_UNSUPPORTED_DATA',
        `session.data.${META_KEY} is reserved for the session manager`,
      );
    }
    const value = data[key];
    let at = before[i] === key ? i : -1;
    if (at < 0) {
      aligned = false;
      index ??= positions(snapshot);
      at = index.get(key) ?? -1;
    }
    if (at < 0) {
      entries[i] = snapshotValue(key, value);
      setOwn(set, key, value);
      continue;
    }
    const old = snapshot.entries[at];
    const entry = compare(key, old, value);
    entries[i] = entry;
    if (!Object.is(entry, old)) setOwn(set, key, value);
  }
  const deleted: string[] = [];
  if (!aligned) {
    const present = new Set(keys);
    for (const key of before) if (!present.has(key)) deleted.push(key);
  }
  return { changes: { set, deleted }, next: { keys, entries } };
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
