import { closeSync, constants as fsConstants, fstatSync, futimesSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { FastMmapError } from './errors.js';
import { type FileIdentity, pathState } from './file-identity.js';
import { lockFilePath, openLockFiles } from './lock-files.js';
import { type FsExt, loadFsExt } from './native-addons.js';
import { TEST_NO_LOCK } from './test-hooks.js';

// Set from fs-ext on the first open (see native-addons.ts).
let flockSync: FsExt['flockSync'] = () => {
  throw new Error('fs-ext is not loaded');
};
let LOCK_EX_NB = 0;
let LOCK_SH_NB = 0;
let LOCK_UN = 0;
function useFsExt(): void {
  if (LOCK_UN !== 0) return;
  const fsExt = loadFsExt();
  flockSync = fsExt.flockSync;
  LOCK_EX_NB = fsExt.constants.LOCK_EX | fsExt.constants.LOCK_NB;
  LOCK_SH_NB = fsExt.constants.LOCK_SH | fsExt.constants.LOCK_NB;
  LOCK_UN = fsExt.constants.LOCK_UN;
}

/** A private buffer to sleep on: Atomics.wait is the only synchronous sleep in Node. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
// A holder keeps a stripe for a few µs, and each failed try costs ~5 µs (fs-ext throws an
// Error): a few tries cover a normal hold. On 2 cores a holder that was descheduled cannot
// finish while we spin, so past that we sleep and leave the core to it.
const SPIN_TRIES = 4;

/**
 * K lock files next to the cache file; page p is locked through file p mod K with flock, which
 * the kernel releases when a holder dies and which excludes separate opens in one process too.
 * fs-ext's blocking and async calls are never used: LOCK_NB + spin + sleep + deadline.
 */
export class StripeLocks {
  private readonly fds: (number | -1)[] = [];
  /** A writer's: the file each fd is open on, to tell when its path names another. */
  private readonly identities: FileIdentity[];
  private readonly lockFlags: number;
  private directoryFd = -1;
  /** A writer's shared lock on the cache file itself, held while open (see lock-files.ts). */
  private inUseFd = -1;

  constructor(
    private readonly cachePath: string,
    stripes: number,
    readOnly: boolean,
    private readonly timeoutMs: number,
  ) {
    useFsExt();
    this.lockFlags = readOnly ? LOCK_SH_NB : LOCK_EX_NB;
    const opened = openLockFiles(cachePath, stripes, readOnly, timeoutMs);
    this.fds.push(...opened.fds);
    this.identities = opened.identities;
    this.inUseFd = opened.inUseFd;
    try {
      if (!readOnly) this.directoryFd = holdDirectory(dirname(cachePath));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** False for a reader that could not open this stripe's lock file (see readStablePage). */
  canLock(stripe: number): boolean {
    return this.fds[stripe]! >= 0 || TEST_NO_LOCK;
  }

  lock(stripe: number): void {
    const fd = this.fds[stripe]!;
    if (fd < 0 || TEST_NO_LOCK) return;
    try {
      flockSync(fd, this.lockFlags);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
    this.lockSlow(fd, stripe);
  }

  /** One non-blocking attempt, for best-effort work such as refreshing LRU times. */
  tryLock(stripe: number): boolean {
    const fd = this.fds[stripe]!;
    if (fd < 0 || TEST_NO_LOCK) return true;
    try {
      flockSync(fd, this.lockFlags);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      return false;
    }
  }

  private lockSlow(fd: number, stripe: number): void {
    const deadline = performance.now() + this.timeoutMs;
    let sleepMs = 0.05;
    for (let attempt = 1; ; attempt++) {
      if (attempt > SPIN_TRIES) {
        Atomics.wait(sleepCell, 0, 0, sleepMs);
        sleepMs = Math.min(sleepMs * 2, 2);
      }
      try {
        flockSync(fd, this.lockFlags);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (performance.now() > deadline) {
        throw new FastMmapError(
          'ERR_FASTMMAP_LOCK_TIMEOUT',
          `lock stripe ${stripe} not granted within ${this.timeoutMs} ms (a process holding it may be stopped or stuck)`,
        );
      }
    }
  }

  unlock(stripe: number): void {
    const fd = this.fds[stripe]!;
    if (fd < 0 || TEST_NO_LOCK) return;
    flockSync(fd, LOCK_UN);
  }

  /**
   * Sets the lock files' times to `nowMs` (writers; best effort). They are never written, so a
   * temp cleaner that goes by file age would otherwise see them as abandoned. With
   * `unlessWithinMs`, a lock file whose time is already at most that old (and not in the
   * future) is left as it is: changing its times is an event for every file watcher.
   */
  touch(nowMs: number, unlessWithinMs?: number): void {
    const seconds = nowMs / 1000;
    for (const fd of this.fds) {
      if (fd < 0) continue;
      try {
        if (unlessWithinMs !== undefined) {
          const age = nowMs - fstatSync(fd).mtimeMs;
          if (age >= 0 && age < unlessWithinMs) continue;
        }
        futimesSync(fd, seconds, seconds);
      } catch {
        // Not ours to fail a write over: the directory lock still protects the usual layout.
      }
    }
  }

  /**
   * The first lock file whose path no longer names the file this instance locks through (a
   * temp cleaner or an `rm` took it), or undefined. A process started since then made a new
   * one: its locks and this instance's no longer exclude each other, and their writes to a
   * page can interleave.
   */
  replacedLockFile(): string | undefined {
    for (let s = 0; s < this.identities.length; s++) {
      const path = lockFilePath(this.cachePath, s);
      if (pathState(path, this.identities[s]!) !== 'same') return path;
    }
    return undefined;
  }

  close(): void {
    for (const fd of this.fds) if (fd >= 0) closeSync(fd);
    this.fds.length = 0;
    this.identities.length = 0;
    if (this.directoryFd >= 0) closeSync(this.directoryFd);
    this.directoryFd = -1;
    if (this.inUseFd >= 0) closeSync(this.inUseFd);
    this.inUseFd = -1;
  }
}

/**
 * Best effort: a shared flock on the cache's directory for as long as the cache is open.
 * systemd-tmpfiles does not age a directory, or anything in it, while a BSD lock is held on it;
 * otherwise a /tmp cleaner (10 days on Fedora and Arch) deletes the lock files, which are never
 * written and so look abandoned, and a worker started afterwards locks through new ones that
 * exclude nobody. -1 when the directory cannot be opened or locked.
 */
function holdDirectory(dir: string): number {
  let fd: number;
  try {
    fd = openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  } catch {
    return -1;
  }
  try {
    flockSync(fd, LOCK_SH_NB);
    return fd;
  } catch {
    closeSync(fd);
    return -1;
  }
}
