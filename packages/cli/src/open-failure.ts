import { lstatSync, realpathSync, type Stats, statSync } from 'node:fs';
import { isCacheError } from './cache-error.js';
import { CliError } from './errors.js';
import { safeText } from './format.js';
import type { OpenMode } from './open-cache.js';
import { sudoUser } from './user-name.js';

/** The hints are extras: a file that changed meanwhile just goes without one. */
function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function modeText(st: Stats): string {
  return `0${(st.mode & 0o777).toString(8)}`;
}

/** "e.g. with sudo -u app": how to be the file's owner for one command. */
function asOwner(st: Stats): string {
  return `e.g. with sudo -u ${safeText(sudoUser(st.uid))}`;
}

/**
 * The error that stopped a cache file from opening, with what the operator can do about it
 * when that is known: session-core says what is wrong (a foreign owner, a symlink, EACCES),
 * not which user or path would work. Anything else is returned as it was.
 */
export function explainOpenFailure(
  err: unknown,
  file: string,
  path: string,
  mode: OpenMode,
): unknown {
  if (isCacheError(err) && err.code === 'ERR_FASTMMAP_UNSAFE_FILE') {
    const said = `${err.message} (${err.code})`;
    if (attempt(() => lstatSync(path))?.isSymbolicLink()) {
      const target = attempt(() => realpathSync(path));
      if (target === undefined) return err;
      // Refused as the apps refuse it (O_NOFOLLOW); the target is named knowingly, not followed.
      return new CliError(
        `${said}; symlinks are refused, name the file itself: ${safeText(target)}`,
      );
    }
    const st = attempt(() => statSync(path));
    if (mode === 'write' && st && st.uid !== process.geteuid?.()) {
      return new CliError(
        `${said}; delete, purge and clear must run as the file's owner, ${asOwner(st)}`,
      );
    }
    return err;
  }
  const sys = err as NodeJS.ErrnoException;
  if (sys?.code === 'EACCES' && sys.path === path) {
    const st = attempt(() => statSync(path));
    if (!st || st.uid === process.geteuid?.()) return err;
    const denied = `permission denied: cannot ${mode} ${safeText(file)} (mode ${modeText(st)})`;
    return new CliError(
      mode === 'write'
        ? `${denied}; stats, keys, get, watch and verify work for the group of a 0640 file, but delete, purge and clear need its owner: run them as the owner, ${asOwner(st)}`
        : `${denied}; only its owner, root and the group of a 0640 file can: run it as the owner, ${asOwner(st)}`,
    );
  }
  return err;
}
