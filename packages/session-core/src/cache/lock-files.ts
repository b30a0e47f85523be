import {
  closeSync,
  fchmodSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  unlinkSync,
} from 'node:fs';
import { FastMmapError } from './errors.js';
import { identityOf, pathState } from './file-identity.js';
import { loadFsExt } from './native-addons.js';
import { sleepSync } from './sleep-sync.js';

/** flock with LOCK_NB: false when another process holds a conflicting lock. */
function tryFlock(fd: number, flags: number): boolean {
  const { flockSync, constants } = loadFsExt();
  try {
    flockSync(fd, flags | constants.LOCK_NB);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    return false;
  }
}

/**
 * A wait between tries, for up to `timeoutMs` from now: sleeps a little longer each time
 * (50 µs doubling to 20 ms), then throws what `timedOut` makes.
 */
function waiter(timeoutMs: number): (timedOut: () => Error) => void {
  const deadline = performance.now() + timeoutMs;
  let sleepMs = 0.05;
  return (timedOut) => {
    if (performance.now() > deadline) throw timedOut();
    sleepSync(sleepMs);
    sleepMs = Math.min(sleepMs * 2, 20);
  };
}

/**
 * A writer's shared flock on the cache file, held while it has the cache open (the fd is
 * returned; closing it releases the lock). A writer that finds itself alone on the file first
 * (the exclusive lock granted: a file just made, or one whose processes all ended) runs
 * `whenAlone` under the exclusive lock, before anyone can lock a page: the page mutexes are
 * made anew there. Exclusive holders are brief; a wait past `timeoutMs` is an error.
 */
export function holdInUse(cachePath: string, timeoutMs: number, whenAlone: () => void): number {
  const { constants } = loadFsExt();
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
  const inUseFd = openSync(cachePath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  const wait = waiter(timeoutMs);
  try {
    if (tryFlock(inUseFd, constants.LOCK_EX)) whenAlone();
    // From exclusive (or nothing) to shared. The kernel may drop the exclusive lock before it
    // grants the shared one: a newcomer getting the exclusive lock in between finds nobody
    // locking pages (we have not started) and makes the mutexes anew, which is harmless.
    while (!tryFlock(inUseFd, constants.LOCK_SH)) {
      wait(
        () =>
          new FastMmapError(
            'ERR_FASTMMAP_LOCK_TIMEOUT',
            `${cachePath}: another process kept it locked exclusively for ${timeoutMs} ms while opening it`,
          ),
      );
    }
    return inUseFd;
  } catch (err) {
    closeSync(inUseFd);
    throw err;
  }
}

/** The creation lock, held. */
export interface CreationLock {
  release(): void;
}

/** The file creators of a missing cache file take turns through (see holdCreationLock). */
export function creationLockPath(cachePath: string): string {
  return `${cachePath}.lock-create`;
}

/**
 * Serialises the creation of a missing cache file between processes: an exclusive flock on a
 * file of its own, held while one process builds and links the file. Without it every worker
 * of a cluster that starts at once builds a full-size temp file of its own, so a filesystem
 * with room for the file once but not once per worker (Docker's 64 MiB /dev/shm and the 33 MiB
 * default session file, two workers) fails them all with "no space", and a large file is
 * written N times over at every first start. Waits while another creator holds it (a creator
 * that dies releases it), at most `timeoutMs`.
 *
 * A file of its own, not the cache file: processes still running on a cache file that was
 * deleted must not wait for the whole build (seconds for a large file), past lockTimeout.
 * The file exists only while a process creates: the holder removes it as it lets go, and one
 * that waited on it (on a file no path names any more) starts again on a new one.
 */
export function holdCreationLock(cachePath: string, timeoutMs: number): CreationLock {
  const path = creationLockPath(cachePath);
  const { LOCK_EX } = loadFsExt().constants;
  const wait = waiter(timeoutMs);
  for (;;) {
    const fd = openLockFile(path);
    try {
      while (!tryFlock(fd, LOCK_EX)) {
        wait(
          () =>
            new FastMmapError(
              'ERR_FASTMMAP_LOCK_TIMEOUT',
              `${cachePath}: another process has been creating it (holding ${path}) for ${timeoutMs} ms`,
            ),
        );
      }
      const identity = identityOf(fd);
      if (pathState(path, identity) === 'same') {
        return {
          release: () => {
            // Only our own file: after an rm of it, the path may name the lock another creator
            // made and holds now, and removing that would let a third one in beside it.
            if (pathState(path, identity) === 'same') {
              try {
                unlinkSync(path);
              } catch {
                // gone already (an rm): whoever waits on it starts again all the same
              }
            }
            // Closing the descriptor releases the flock.
            closeSync(fd);
          },
        };
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    closeSync(fd);
  }
}

/**
 * The creation lock is 0600 whatever the cache's mode: anyone who can open it can flock it,
 * and a lock held by a group member of a 0640 cache would make every creator wait.
 */
const LOCK_FILE_MODE = 0o600;

/** Opens (making it if missing) the creation lock's file, with the cache file's checks. */
function openLockFile(path: string): number {
  const { O_RDWR, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted there must not block the open (it is refused below).
    fd = openSync(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, LOCK_FILE_MODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new FastMmapError('ERR_FASTMMAP_UNSAFE_FILE', `lock file ${path} is a symlink`);
    if (code === 'EISDIR')
      throw new FastMmapError('ERR_FASTMMAP_UNSAFE_FILE', `lock file ${path} is a directory`);
    // Out of inodes (or space for a directory entry).
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new FastMmapError('ERR_FASTMMAP_NO_SPACE', `no space to create lock file ${path}`, {
        cause: err,
      });
    }
    throw err;
  }
  const st = fstatSync(fd);
  const uid = process.geteuid?.();
  // As for the cache file: another user's would let that user hold up every creator.
  const foreign = uid !== undefined && st.uid !== uid;
  if (!st.isFile() || foreign || (st.mode & 0o022) !== 0) {
    closeSync(fd);
    throw new FastMmapError(
      'ERR_FASTMMAP_UNSAFE_FILE',
      `lock file ${path} must be a regular file owned by uid ${uid}, not group/world-writable`,
    );
  }
  // Made by an earlier version with the cache's 0640: closed to the group from now on.
  if ((st.mode & 0o077) !== 0) fchmodSync(fd, LOCK_FILE_MODE);
  return fd;
}
