import type { FastMmapError } from '@fastmmap/session-core/cache';

/** By shape, not instanceof: the cache module is loaded lazily and may not be loaded at all. */
export function isCacheError(err: unknown): err is FastMmapError {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'string' &&
    err.name === 'FastMmapError'
  );
}
