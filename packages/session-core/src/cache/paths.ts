import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FastMmapError } from './errors.js';
import { FORMAT_VERSION } from './layout.js';

/**
 * The private per-uid directory that holds default cache files. Absolute even under a relative
 * TMPDIR (os.tmpdir() returns it as given): the open resolves it once, as it does a `path`.
 */
export function defaultCacheDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return resolve(tmpdir(), `fastmmap-${uid}`);
}

/**
 * Where a cache lives when no `path` is given: one file per app name, per uid and per file
 * format. A release that changes the format then starts a file beside the old one, whose
 * sessions it could not read anyway, instead of failing to open it with ERR_FASTMMAP_VERSION:
 * a rolling restart (PM2 reload) runs old and new workers side by side. Format 1 had no
 * version in the name.
 */
export function defaultCachePath(appName = 'default'): string {
  if (
    typeof appName !== 'string' ||
    !/^[A-Za-z0-9._-]{1,64}$/.test(appName) ||
    appName.startsWith('.')
  ) {
    throw new FastMmapError(
      'ERR_FASTMMAP_INVALID_OPTION',
      `appName must be 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(appName)}`,
    );
  }
  return join(defaultCacheDir(), `${appName}.v${FORMAT_VERSION}.fmcache`);
}
