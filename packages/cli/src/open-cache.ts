import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastMmapCache } from '@fastmmap/session-core/cache';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';

export type OpenMode = 'read' | 'write';

type CacheClass = typeof FastMmapCache;

/** A cache whose values are the stored bytes, and the codec the file says they are in. */
export interface OpenedCache {
  cache: FastMmapCache<Uint8Array>;
  codec: string;
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
 * checked first: the CLI never creates a cache file.
 * The codec is a pass-through under the file's own codec name (the cache insists on the name
 * for writers): values come back as bytes, and `get` decodes them itself so that a wrong
 * `--codec` is a clear decode error rather than a miss. delete, purge and clear never decode.
 */
export async function openCacheFile(file: string, mode: OpenMode): Promise<OpenedCache> {
  const path = resolve(file);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
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
  const { FastMmapCache } = await import('@fastmmap/session-core/cache');
  const codec = recordedCodec(FastMmapCache, path);
  const cache = FastMmapCache.open<Uint8Array>({
    path,
    adoptGeometry: true,
    readOnly: mode === 'read',
    codec: { name: codec, encode: (value) => value as Uint8Array, decode: (bytes) => bytes },
  });
  return { cache, codec };
}

/** Runs `fn` with the cache open, and closes it on every path. */
export async function withCache<T>(
  file: string,
  mode: OpenMode,
  fn: (cache: FastMmapCache<Uint8Array>, codec: string) => T | Promise<T>,
): Promise<T> {
  const { cache, codec } = await openCacheFile(file, mode);
  try {
    return await fn(cache, codec);
  } finally {
    cache.close();
  }
}
