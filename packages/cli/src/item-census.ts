import type { FastMmapCache } from '@fastmmap/session-core/cache';
import { tombstoneTest } from './session-tombstone.js';

/** What the cache's `items` counter holds besides live items: `stats` reads every item. */
export interface ItemCensus {
  /** Past their expiry but still in the file: apps remove them when they need the room. */
  expired: number;
  /** Unexpired tombstones of destroyed sessions (an expired one counts as expired). */
  sessionTombstones: number;
  /** The bytes of the largest record (expired or not): the page size advice needs it. */
  largestRecord: number;
}

/**
 * One pass over every item of a cache opened with `includeExpired` (a clock at the epoch, so
 * expired items are listed too); each one's expiresAt is then judged against `now`. Read-only:
 * nothing is purged or counted as a hit.
 */
export async function itemCensus(
  cache: FastMmapCache<Uint8Array>,
  fileCodec: string,
  now: number,
): Promise<ItemCensus> {
  const isTombstone = await tombstoneTest(fileCodec);
  // Loaded on first use, as the CLI loads the cache module everywhere.
  const { recordSize } = await import('@fastmmap/session-core/cache');
  let expired = 0;
  let sessionTombstones = 0;
  let largestRecord = 0;
  for (const key of cache.keys()) {
    const entry = cache.getEntry(key);
    if (entry === undefined) continue; // deleted since the page was scanned
    largestRecord = Math.max(largestRecord, recordSize(Buffer.byteLength(key), entry.value.length));
    if (entry.expiresAt !== 0 && now >= entry.expiresAt) expired++;
    else if (isTombstone(entry.value)) sessionTombstones++;
  }
  return { expired, sessionTombstones, largestRecord };
}
