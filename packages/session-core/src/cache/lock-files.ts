import {
  closeSync,
  fchmodSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  unlinkSync,
} from 'node:fs';
import { FastMmapError } from './errors.js';
import { type FileIdentity, identityOf, pathState } from './file-identity.js';
import { loadFsExt } from './native-addons.js';

export function lockFilePath(cachePath: string, stripe: number): string {
  return `${cachePath}.lock-${stripe}`;
}

/** One instance's lock files (-1: a reader without one), and a writer's in-use lock. */
export interface OpenedLockFiles {
  fds: number[];
  /** A writer's: the file each fd is open on, as checked under the in-use lock. */
  identities: FileIdentity[];
  /** A shared flock on the cache file itself, held by every writer while it has it open. */
  inUseFd: number;
}

/** A private buffer to sleep on between tries (Atomics.wait: the synchronous sleep). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

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
    Atomics.wait(sleepCell, 0, 0, sleepMs);
    sleepMs = Math.min(sleepMs * 2, 20);
  };
}

/**
 * Opens the lock files of a cache, for a reader as they are, for a writer creating any that is
 * missing, but only when nobody else has the cache open. Writers of a cache exclude each other
 * only while they lock through the same files: a lock file deleted under running processes (a
 * temp cleaner, an `rm`) and made anew by a newcomer would let both write one page at once.
 * So every writer holds a shared flock on the cache file, and a missing lock file is made only
 * under an exclusive one, which is granted only when no other process has the cache open.
 * Otherwise the open waits up to `timeoutMs` (another newcomer may be making them right now)
 * and then fails with ERR_FASTMMAP_LOCK_FILES_MISSING.
 */
export function openLockFiles(
  cachePath: string,
  stripes: number,
  readOnly: boolean,
  timeoutMs: number,
): OpenedLockFiles {
  const fds: number[] = [];
  if (readOnly) {
    try {
      for (let s = 0; s < stripes; s++)
        fds.push(openLockFile(lockFilePath(cachePath, s), true, false));
    } catch (err) {
      for (const fd of fds) if (fd >= 0) closeSync(fd);
      throw err;
    }
    return { fds, identities: [], inUseFd: -1 };
  }
  const { flockSync, constants } = loadFsExt();
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
  const inUseFd = openSync(cachePath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  const wait = waiter(timeoutMs);
  // Exclusive holders are brief (a newcomer making lock files): wait them out.
  const holdShared = (): void => {
    while (!tryFlock(inUseFd, constants.LOCK_SH)) {
      wait(
        () =>
          new FastMmapError(
            'ERR_FASTMMAP_LOCK_TIMEOUT',
            `${cachePath}: another process kept its lock files busy for ${timeoutMs} ms`,
          ),
      );
    }
  };
  try {
    for (;;) {
      for (let s = 0; s < stripes; s++)
        fds.push(openLockFile(lockFilePath(cachePath, s), false, false));
      let missing = fds.flatMap((fd, s) => (fd < 0 ? [s] : []));
      while (missing.length > 0) {
        if (tryFlock(inUseFd, constants.LOCK_EX)) {
          for (const s of missing) fds[s] = openLockFile(lockFilePath(cachePath, s), false, true);
          break;
        }
        // Someone has the cache open: a fellow newcomer making the files, or processes that
        // lock through deleted ones. Only the first ends by itself.
        missing = missing.filter((s) => {
          fds[s] = openLockFile(lockFilePath(cachePath, s), false, false);
          return fds[s]! < 0;
        });
        if (missing.length === 0) break;
        wait(
          () =>
            new FastMmapError(
              'ERR_FASTMMAP_LOCK_FILES_MISSING',
              `lock file ${lockFilePath(cachePath, missing[0]!)} is missing while other processes have ${cachePath} open (a temp cleaner or an rm deleted it): they lock through the deleted file, and a new one would not exclude them. Stop every process that uses the cache, then start them again`,
            ),
        );
      }
      holdShared();
      // Lock files deleted after we opened them, and made anew by a newcomer before our shared
      // lock (its exclusive one was granted then), would not exclude us from it. Every lock file
      // is made under the exclusive lock, which our shared one now keeps away: if each path
      // still names the file we opened, it will go on naming it. Else start again.
      const identities = fds.map(identityOf);
      const stale = identities.findIndex(
        (identity, s) => pathState(lockFilePath(cachePath, s), identity) !== 'same',
      );
      if (stale < 0) return { fds, identities, inUseFd };
      flockSync(inUseFd, constants.LOCK_UN);
      for (const fd of fds.splice(0)) if (fd >= 0) closeSync(fd);
      wait(
        () =>
          new FastMmapError(
            'ERR_FASTMMAP_LOCK_FILES_MISSING',
            `lock file ${lockFilePath(cachePath, stale)} was deleted or replaced while ${cachePath} was being opened, again and again for ${timeoutMs} ms`,
          ),
      );
    }
  } catch (err) {
    for (const fd of fds) if (fd >= 0) closeSync(fd);
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
 * Not lock file 0: processes still running on a cache file that was deleted lock pages through
 * it, and they would wait for the whole build (seconds for a large file), past lockTimeout.
 * The file exists only while a process creates: the holder removes it as it lets go, and one
 * that waited on it (on a file no path names any more) starts again on a new one.
 */
export function holdCreationLock(cachePath: string, timeoutMs: number): CreationLock {
  const path = creationLockPath(cachePath);
  const { LOCK_EX } = loadFsExt().constants;
  const wait = waiter(timeoutMs);
  for (;;) {
    const fd = openLockFile(path, false, true);
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
 * Lock files are 0600 whatever the cache's mode: anyone who can open one can flock it, and a
 * shared lock held by a reader (a group member of a 0640 cache) would make every writer wait.
 */
const LOCK_FILE_MODE = 0o600;

/** -1 when the file is missing and `create` is false (or, for a reader, not ours to open). */
function openLockFile(path: string, readOnly: boolean, create: boolean): number {
  const { O_RDONLY, O_RDWR, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted there must not block the open (it is refused below).
    fd = readOnly
      ? openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
      : openSync(path, O_RDWR | (create ? O_CREAT : 0) | O_NOFOLLOW | O_NONBLOCK, LOCK_FILE_MODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A reader with no lock file has no writer to exclude (no writer opened this cache yet);
    // one not allowed to open it (not the owner) reads without locks.
    if (readOnly && (code === 'ENOENT' || code === 'EACCES')) return -1;
    if (code === 'ENOENT' && !create) return -1;
    if (code === 'ELOOP')
      throw new FastMmapError('ERR_FASTMMAP_UNSAFE_FILE', `lock file ${path} is a symlink`);
    if (code === 'EISDIR')
      throw new FastMmapError('ERR_FASTMMAP_UNSAFE_FILE', `lock file ${path} is a directory`);
    // Out of inodes (or space for a directory entry). Lock files made so far stay: another
    // process may already be locking through them, and a new inode would not exclude it.
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new FastMmapError('ERR_FASTMMAP_NO_SPACE', `no space to create lock file ${path}`, {
        cause: err,
      });
    }
    throw err;
  }
  const st = fstatSync(fd);
  const uid = process.geteuid?.();
  // As for the cache file: a reader may lock through another user's lock files, a writer not.
  const foreign = uid !== undefined && st.uid !== uid && !readOnly;
  if (!st.isFile() || foreign || (st.mode & 0o022) !== 0) {
    closeSync(fd);
    throw new FastMmapError(
      'ERR_FASTMMAP_UNSAFE_FILE',
      `lock file ${path} must be a regular file owned by uid ${uid}, not group/world-writable`,
    );
  }
  // Made by an earlier version with the cache's 0640: closed to the group from now on.
  if (!readOnly && (st.mode & 0o077) !== 0) fchmodSync(fd, LOCK_FILE_MODE);
  return fd;
}
