import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError } from './errors.js';
import { safeText } from './format.js';

/** A file (or symlink, even a dangling one) at `path` is never written over or merged into. */
export function refuseExisting(file: string, path: string): void {
  try {
    lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  throw existsAlready(file);
}

function existsAlready(file: string): CliError {
  return new CliError(
    `${safeText(file)} exists already: copy makes a new file and never writes into one that apps may have open; name a path that does not exist`,
  );
}

/** `.<name>.copy-<pid>-`: the names of the files a copy to `path` builds before it is done. */
function buildingPrefix(path: string): string {
  return `.${basename(path)}.copy-`;
}

/**
 * Where a copy to `path` builds the new file: a hidden name of its own in the same directory,
 * linked to `path` only once complete (see publishCacheFile). A copy interrupted or killed
 * halfway (Ctrl-C, a deploy script's timeout) so never leaves a file at `path` that looks
 * complete and holds only some of the sessions. The files that copies no longer running left
 * behind (a SIGKILL) are removed first.
 */
export async function buildingPath(path: string): Promise<string> {
  const { removeDeadProcessesFiles } = await import('@fastmmap/session-core/cache');
  const dir = dirname(path);
  const prefix = buildingPrefix(path);
  removeDeadProcessesFiles(dir, prefix);
  // The cache's own temp files of a building file: `.<building name>.tmp-...`.
  removeDeadProcessesFiles(dir, `.${prefix}`);
  return join(dir, `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Gives the complete file built at `building` its name `path` (a hard link: never over a file
 * that someone made there meanwhile, which is left as it is). The caller then removes
 * `building` (removeCacheFile).
 */
export function publishCacheFile(building: string, path: string, file: string): void {
  try {
    linkSync(building, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw existsAlready(file);
    throw err;
  }
}

/** Removes a cache file this process made (or a name of it). */
export function removeCacheFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not made, or gone already
  }
}
