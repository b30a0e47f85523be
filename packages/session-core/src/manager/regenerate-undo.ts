import { randomBytes } from 'node:crypto';
import type { Store, StoredData } from '../store/types.js';
import { META_KEY, type SessionMeta, tombstone } from './record.js';

/** What regenerate() replaced by a tombstone, kept until the new id is first written. */
export interface RegenerateUndo {
  readonly id: string;
  /** The old id's record as regenerate() read it, metadata included. */
  readonly record: StoredData;
  /** The tombstone's mark: tells it from one a later destroy() of the old id wrote. */
  readonly mark: string;
  readonly ttl: number;
}

export const newTombstoneMark = (): string => randomBytes(12).toString('base64url');

function markOf(stored: StoredData | undefined): string | undefined {
  const meta = stored?.[META_KEY] as SessionMeta | undefined;
  return meta?.dead === true ? meta.mark : undefined;
}

/**
 * For a write that deleted keys and found a tombstone: regenerate()'s, marked, becomes a plain
 * one. That request of the old id (a logout that deletes the user's keys, say) was dropped on
 * it, so the record must not come back by an undo: that would bring back what it removed.
 */
export function withoutMark(stored: StoredData, now: number): StoredData {
  return markOf(stored) === undefined ? stored : tombstone(now);
}

/**
 * For a destroy() that finds a tombstone (its id killed since its load) and keeps it: regenerate()'s
 * gets an empty mark, which no undo holds, so the session the destroy ended cannot come back by
 * one; still a login's tombstone, it holds that login's late requests back as before.
 */
export function withoutUndo(stored: StoredData): StoredData {
  if (!markOf(stored)) return stored;
  return { ...stored, [META_KEY]: { ...(stored[META_KEY] as SessionMeta), mark: '' } };
}

/**
 * After the first write under the new id failed (a session too large, a store error): the
 * browser never got the new cookie and still sends the old one, so the old record goes back
 * where regenerate()'s tombstone still is, and the user keeps the session they had rather than
 * being logged out. Nothing privileged moves back: only what was stored before regenerate().
 * Any other value there (a later logout's tombstone, nothing) keeps its value; a failure here
 * is swallowed.
 */
export async function undoRegenerate(store: Store, undo: RegenerateUndo): Promise<void> {
  try {
    await store.getAndSet(
      undo.id,
      (stored) => (markOf(stored) === undo.mark ? undo.record : stored),
      undo.ttl,
    );
  } catch {
    // The commit's own error is the one to report.
  }
}
