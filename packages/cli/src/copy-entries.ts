import type { FastMmapCache } from '@fastmmap/session-core/cache';
import { isCacheError } from './cache-error.js';

/** What `copyEntries` did with the live items of the source. */
export interface CopiedEntries {
  /** Items that are in the target now. */
  copied: number;
  /** Keys of items larger than a page of the target: not copied. */
  tooLarge: string[];
  /** Keys copied, then evicted by later ones from a page of the target that was full. */
  evicted: string[];
}

/**
 * Copies the items of `source` live at `now` into `target` as their stored bytes. The target's
 * clock is stopped at the same `now`, so `ttl = expiresAt - now` gives each item its own
 * expiresAt again, exactly (whole ms, far below 2^53); 0 stays "never". An item too large for
 * the target's pages is left out and named; any other failure stops the copy.
 */
export function copyEntries(
  source: FastMmapCache<Uint8Array>,
  target: FastMmapCache<Uint8Array>,
  now: number,
): CopiedEntries {
  const written: string[] = [];
  const tooLarge: string[] = [];
  for (const key of source.keys()) {
    const entry = source.getEntry(key);
    if (entry === undefined) continue; // deleted since its page was listed
    try {
      target.set(key, entry.value, { ttl: entry.expiresAt === 0 ? 0 : entry.expiresAt - now });
      written.push(key);
    } catch (err) {
      if (!isCacheError(err) || err.code !== 'ERR_FASTMMAP_VALUE_TOO_LARGE') throw err;
      tooLarge.push(key);
    }
  }
  // The target is new and only we write it: its counter tells whether a full page evicted.
  const evicted =
    target.stats().evictionsUnexpired > 0 ? written.filter((key) => !target.has(key)) : [];
  return { copied: written.length - evicted.length, tooLarge, evicted };
}
