import { lstatSync, unlinkSync } from 'node:fs';
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
  throw new CliError(
    `${safeText(file)} exists already: copy makes a new file and never writes into one that apps may have open; name a path that does not exist`,
  );
}

/** Removes a cache file this process made and could not finish, with its lock files. */
export function removeCacheFile(path: string, lockStripes: number): void {
  const lockFiles = Array.from({ length: lockStripes }, (_, n) => `${path}.lock-${n}`);
  for (const name of [path, ...lockFiles]) {
    try {
      unlinkSync(name);
    } catch {
      // not made, or gone already
    }
  }
}
