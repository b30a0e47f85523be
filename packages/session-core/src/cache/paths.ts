import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastMmapError } from './errors.js';

/** The private per-uid directory that holds default cache files. */
export function defaultCacheDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `fastmmap-${uid}`);
}

/** Where a cache lives when no `path` is given: one file per app name, per uid. */
export function defaultCachePath(appName = 'default'): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(appName) || appName.startsWith('.')) {
    throw new FastMmapError(
      'ERR_FASTMMAP_INVALID_OPTION',
      `appName must be 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(appName)}`,
    );
  }
  return join(defaultCacheDir(), `${appName}.fmcache`);
}
