import { chmodSync, copyFileSync, readSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CacheOptions, CacheStats, FastMmapCache } from '@fastmmap/session-core/cache';
import { isCacheError } from './cache-error.js';
import { type CopiedEntries, copyEntries } from './copy-entries.js';
import { CliError, UsageError } from './errors.js';
import { safeText } from './format.js';
import {
  buildingPath,
  publishCacheFile,
  refuseExisting,
  removeCacheFile,
} from './new-cache-file.js';
import { openCacheFile } from './open-cache.js';
import { sudoUser } from './user-name.js';

/** What the new file should differ in; whatever is left out is taken from the source. */
export interface WantedGeometry {
  pageSize?: number;
  /** Give this or cacheSize, not both. */
  numPages?: number;
  cacheSize?: number;
  lockStripes?: number;
  mode?: number;
}

type TargetOptions = Pick<
  CacheOptions,
  'pageSize' | 'numPages' | 'cacheSize' | 'lockStripes' | 'mode'
>;

function targetOptions(
  source: CacheStats,
  sourceFile: Stats,
  wanted: WantedGeometry,
): TargetOptions {
  return {
    pageSize: wanted.pageSize ?? source.pageSize,
    // A cacheSize is turned into pages of the new page size by the cache itself.
    ...(wanted.cacheSize !== undefined
      ? { cacheSize: wanted.cacheSize }
      : { numPages: wanted.numPages ?? source.numPages }),
    lockStripes: wanted.lockStripes ?? source.lockStripes,
    // A file that its group may read (0640, for the CLI run by a group member) stays so.
    mode: wanted.mode ?? ((sourceFile.mode & 0o040) !== 0 ? 0o640 : 0o600),
  };
}

/** The new file must belong to the apps' user: they refuse a cache file another user owns. */
function refuseOtherOwner(file: string, st: Stats): void {
  if (process.geteuid === undefined || st.uid === process.geteuid()) return;
  throw new CliError(
    `${safeText(file)} belongs to uid ${st.uid}: run copy as that user, e.g. with sudo -u ${safeText(sudoUser(st.uid))}, so that the apps can open the new file (they refuse one another user owns)`,
  );
}

/**
 * A file refused in TO's directory (no permission, a read-only filesystem), said of TO rather
 * than of the hidden file the copy makes there; undefined for any other error.
 */
function refusedInDirectory(
  sys: NodeJS.ErrnoException,
  file: string,
  path: string,
): CliError | undefined {
  if (sys.code !== 'EACCES' && sys.code !== 'EPERM' && sys.code !== 'EROFS') return undefined;
  const why = sys.code === 'EROFS' ? 'read-only filesystem' : 'permission denied';
  return new CliError(`cannot create ${safeText(file)}: ${why} in ${safeText(dirname(path))}`);
}

/** Creates the new file (under its building name): refused options are usage errors. */
async function createTarget(
  path: string,
  file: string,
  options: TargetOptions,
  codecName: string,
  now: number,
): Promise<FastMmapCache<Uint8Array>> {
  const { FastMmapCache } = await import('@fastmmap/session-core/cache');
  try {
    return FastMmapCache.open<Uint8Array>({
      path,
      ...options,
      // Bytes in, bytes out, under the source's codec name: the apps' codec opens the file.
      codec: { name: codecName, encode: (value) => value as Uint8Array, decode: (bytes) => bytes },
      clock: () => now,
    });
  } catch (err) {
    // Sizes the cache refuses (out of range, a file of 2 GiB or more) are the user's options.
    if (
      isCacheError(err) &&
      (err.code === 'ERR_FASTMMAP_INVALID_OPTION' || err.code === 'ERR_FASTMMAP_FILE_TOO_LARGE')
    ) {
      throw new UsageError(`copy: ${err.message}`, 'copy');
    }
    // Refused in TO's directory: say so of TO, not of the hidden file the copy builds first.
    const sys = err as NodeJS.ErrnoException;
    const inDir = typeof sys.path === 'string' && dirname(sys.path) === dirname(path);
    const refused = inDir ? refusedInDirectory(sys, file, path) : undefined;
    if (refused) throw refused;
    if (sys.code === 'ENOENT') {
      throw new CliError(`cannot create ${safeText(file)}: no such directory`);
    }
    throw err;
  }
}

/**
 * Tests interrupt a copy here, between making the new file and filling it: with
 * FASTMMAP_TEST_HOOKS=1 and FASTMMAP_TEST_COPY_PAUSE=1 the copy waits for a line on stdin.
 */
function pauseForTests(): void {
  const env = process.env;
  if (env.FASTMMAP_TEST_HOOKS !== '1' || env.FASTMMAP_TEST_COPY_PAUSE !== '1') return;
  const byte = Buffer.alloc(1);
  while (readSync(0, byte, 0, 1, null) === 1 && byte[0] !== 0x0a) {}
}

/**
 * Copies the items of the cache file `from` that are live now into a new cache file `to`.
 * `from` is read-only and stays as it is; `to` is there only once the copy is complete.
 */
export async function copyCacheFile(
  from: string,
  to: string,
  wanted: WantedGeometry,
  salvage = false,
): Promise<CopiedEntries> {
  const toPath = resolve(to);
  refuseExisting(to, toPath);
  try {
    return await copyFrom(from, from, to, toPath, wanted);
  } catch (err) {
    // FROM passed every check of its own (a symlink, an unsafe directory, another owner's file
    // are refused as without --salvage) and its header was refused: maybe its checksum alone.
    if (!salvage || !isCacheError(err) || err.code !== 'ERR_FASTMMAP_NOT_A_CACHE_FILE') throw err;
    const resealed = await resealedCopy(from, to, toPath, err);
    try {
      return await copyFrom(from, resealed, to, toPath, wanted);
    } finally {
      removeCacheFile(resealed);
    }
  }
}

/**
 * For --salvage: a copy of `from`, beside TO under a building name (so a killed run's is
 * removed by the next copy to TO), whose header checksum is made right if that is all that is
 * wrong with it (a bit flipped in the file's id refuses the whole file otherwise). `from` itself
 * is never written. `refusal` is what opening `from` threw: still the answer when `from` cannot
 * be copied (a directory, say).
 */
async function resealedCopy(
  from: string,
  to: string,
  toPath: string,
  refusal: Error,
): Promise<string> {
  const { resealHeader } = await import('@fastmmap/session-core/cache');
  const copy = await buildingPath(toPath);
  try {
    try {
      copyFileSync(from, copy);
      chmodSync(copy, 0o600); // a read-only FROM's mode would refuse the reseal
    } catch (err) {
      throw refusedInDirectory(err as NodeJS.ErrnoException, to, toPath) ?? refusal;
    }
    resealHeader(copy);
    return copy;
  } catch (err) {
    removeCacheFile(copy);
    // Said of FROM, not of the copy it was found in.
    if (isCacheError(err)) throw Object.assign(err, { message: err.message.replace(copy, from) });
    throw err;
  }
}

/** The copy itself, reading `source` (FROM, or its resealed copy); `from` names it to the user. */
async function copyFrom(
  from: string,
  source: string,
  to: string,
  toPath: string,
  wanted: WantedGeometry,
): Promise<CopiedEntries> {
  const now = Date.now();
  const { cache } = await openCacheFile(source, 'read', { readAt: now });
  try {
    // FROM's owner and mode, even when reading a copy of it.
    const sourceFile = statSync(source === from ? cache.path : from);
    refuseOtherOwner(from, sourceFile);
    const stats = cache.stats();
    const options = targetOptions(stats, sourceFile, wanted);
    // Built under a name of its own, and named TO only once complete: a copy that fails, is
    // interrupted or is killed leaves no TO, and a TO someone made meanwhile is left alone.
    const building = await buildingPath(toPath);
    const target = await createTarget(building, to, options, stats.codec, now);
    try {
      pauseForTests();
      const result = copyEntries(cache, target, now);
      publishCacheFile(building, toPath, to);
      return result;
    } finally {
      target.close();
      removeCacheFile(building);
    }
  } finally {
    cache.close();
  }
}
