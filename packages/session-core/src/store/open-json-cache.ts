import { FastMmapCache } from '../cache/cache.js';
import type { CacheOptions } from '../cache/types.js';
import { mapCacheError } from './cache-errors.js';

/**
 * For the drop-in stores of session plugins (express-session, koa-session): their cache,
 * opened with the same default size as FastMmapStore's (512 pages of 64 KiB) and the JSON
 * codec those plugins' stores use (their toJSON methods apply). A failure to open is a
 * SessionError naming `storeName`, as from FastMmapStore.
 */
export function openJsonCache<V>(
  storeName: string,
  appName: string,
  cacheOptions: CacheOptions,
): FastMmapCache<V> {
  try {
    return FastMmapCache.open<V>({
      appName,
      ...(cacheOptions.cacheSize === undefined && cacheOptions.numPages === undefined
        ? { numPages: 512 }
        : {}),
      ...cacheOptions,
      codec: 'json',
    });
  } catch (err) {
    throw mapCacheError(err, 'open the session file', storeName);
  }
}
