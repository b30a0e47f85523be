import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastMmapCache, PathState } from '@fastmmap/session-core/cache';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { explainOpenFailure } from './open-failure.js';

export type OpenMode = 'read' | 'write';

type CacheClass = typeof FastMmapCache;

/** A cache whose values are the stored bytes, and the codec the file says they are in. */
export interface OpenedCache {
  cache: FastMmapCache<Uint8Array>;
  codec: string;
  /** Whether the path still names the file that was opened (`watch` asks on every refresh). */
  pathNow: () => PathState;
}

export interface OpenOptions {
  /**
   * Read with a clock at the epoch, so that no item counts as expired: the scan then lists the
   * expired items too, and `getEntry` gives their expiresAt (for `stats` to count them).
   * Read mode only: a read-only instance writes nothing, whatever its clock says.
   */
  includeExpired?: boolean;
  /**
   * Read as of this instant (ms since the epoch) however long the reading takes: the items
   * live then, each with its own expiresAt (`copy` gives the new file the same instant).
   * Read mode only, as includeExpired (which is `readAt: 0`).
   */
  readAt?: number;
}

/** The codec recorded in the file; opening read-only also vets the file (magic, version...). */
function recordedCodec(FastMmapCache: CacheClass, path: string): string {
  const probe = FastMmapCache.open({ path, readOnly: true, adoptGeometry: true });
  try {
    return probe.stats().codec;
  } finally {
    probe.close();
  }
}

/**
 * Opens an existing cache file with the geometry written in its header; read commands map it
 * read-only. The cache would create a missing file when opened for writing, so existence is
 * checked first: opening never creates a cache file (only `copy` makes one, on its own).
 * The codec is a pass-through under the file's own codec name (the cache insists on the name
 * for writers): values come back as bytes, and `get` decodes them itself so that a wrong
 * `--codec` is a clear decode error rather than a miss. delete, purge and clear never decode.
 */
export async function openCacheFile(
  file: string,
  mode: OpenMode,
  { includeExpired = false, readAt }: OpenOptions = {},
): Promise<OpenedCache> {
  const frozenAt = includeExpired ? 0 : readAt;
  if (frozenAt !== undefined && mode !== 'read') {
    // A writer on a stopped clock would date what it writes (and expire nothing) then.
    throw new Error('includeExpired and readAt are for read-only opens');
  }
  const path = resolve(file);
  let isFile: boolean;
  let identity: { dev: number; ino: number };
  try {
    const st = statSync(path);
    isFile = st.isFile();
    identity = { dev: st.dev, ino: st.ino };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CliError(`no such file: ${file}`);
    if (code === 'EACCES') throw new CliError(`permission denied: ${file}`);
    throw err;
  }
  if (!isFile) {
    throw new CliError(`not a cache file: ${file} (not a regular file)`, ExitCode.notACacheFile);
  }
  // Loaded on first use: `--help` and usage errors stay fast without the native modules.
  const { FastMmapCache, pathState } = await import('@fastmmap/session-core/cache');
  let codec: string;
  let cache: FastMmapCache<Uint8Array>;
  try {
    codec = recordedCodec(FastMmapCache, path);
    cache = FastMmapCache.open<Uint8Array>({
      path,
      adoptGeometry: true,
      readOnly: mode === 'read',
      codec: { name: codec, encode: (value) => value as Uint8Array, decode: (bytes) => bytes },
      ...(frozenAt !== undefined ? { clock: () => frozenAt } : {}),
    });
  } catch (err) {
    throw explainOpenFailure(err, file, path, mode);
  }
  // The path named the same file before and after the open, so that is the file mapped.
  if (pathState(path, identity) !== 'same') {
    cache.close();
    throw new CliError(`${file} was deleted or replaced while it was being opened; run again`);
  }
  return { cache, codec, pathNow: () => pathState(path, identity) };
}

/** Runs `fn` with the cache open, and closes it on every path. */
export async function withCache<T>(
  file: string,
  mode: OpenMode,
  fn: (cache: FastMmapCache<Uint8Array>, codec: string) => T | Promise<T>,
  options?: OpenOptions,
): Promise<T> {
  const { cache, codec } = await openCacheFile(file, mode, options);
  try {
    return await fn(cache, codec);
  } finally {
    cache.close();
  }
}
