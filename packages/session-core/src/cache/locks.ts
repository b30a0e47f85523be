import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { FastMmapError } from './errors.js';
import { H_MUTEXES, LIBC_TAGS, MUTEX_LIBC_TAG, MUTEX_STRIDE } from './layout.js';
import { holdCreationLock, holdInUse } from './lock-files.js';
import { loadFsExt, loadRobustMutex, type RobustMutexAddon } from './native-addons.js';
import { TEST_NO_LOCK } from './test-hooks.js';

/**
 * The wait for a stripe whose last wait timed out. A lock is held for microseconds (one page's
 * work), so a holder that keeps it past the timeout is stopped; this only has to outlast a
 * holder the scheduler has set aside for a moment.
 */
export const STALLED_WAIT_MS = 100;

/**
 * How far past its deadline a timed-out wait must return to count as overslept: this process
 * was not running when the deadline came, so the holder had no fair chance (see timedLock).
 */
const OVERSLEPT_MS = 250;

/**
 * The page locks: page p is locked through stripe p mod K, a robust, process-shared pthread
 * mutex in the file's header. A free one is taken and released without a system call (the
 * flock pair of format 1 cost two, ~7% of an HTTP request's CPU here), and the kernel still
 * releases a dead holder's: the next locker gets it (EOWNERDEAD) and repairs what the holder
 * left half-done, which the page generation marks. A wait blocks in the kernel (a futex) up
 * to the lock timeout, and the whole event loop with it: after one wait on a stripe has timed
 * out, later waits on it are short (STALLED_WAIT_MS) until it is granted again, so a holder
 * that is stopped, not dead (SIGSTOP, a debugger, a frozen container), costs each process one
 * full timeout rather than one per request. Read-only instances cannot take them (their
 * mapping is read-only) and read through the page seqlock instead (readStablePage).
 */
export class StripeLocks {
  private readonly mutex: RobustMutexAddon | undefined;
  /** False for a read-only instance: it reads through the seqlock (see readStablePage). */
  readonly canLock: boolean;
  private directoryFd = -1;
  /** A writer's shared lock on the cache file itself, held while open (see holdInUse). */
  private inUseFd = -1;
  /** 1 for a stripe whose last wait timed out and which has not been granted since. */
  private readonly stalled: Uint8Array;
  /** The last contended timedLock: how long it took in all, and whether it waited twice. */
  private lastWaitMs = 0;
  private waitedAgain = false;

  constructor(
    private readonly cachePath: string,
    private readonly map: Buffer,
    private readonly stripes: number,
    readOnly: boolean,
    private readonly timeoutMs: number,
  ) {
    this.canLock = !readOnly || TEST_NO_LOCK;
    this.stalled = new Uint8Array(readOnly ? 0 : stripes);
    if (readOnly) return;
    const mutex = loadRobustMutex();
    if (mutex.mutexSize > MUTEX_LIBC_TAG) {
      throw new FastMmapError(
        'ERR_FASTMMAP_NATIVE_ADDON',
        `a pthread mutex takes ${mutex.mutexSize} bytes here, more than the ${MUTEX_LIBC_TAG} the file format has for one`,
      );
    }
    this.mutex = mutex;
    // Alone on the file (just made, or left by processes that all ended, maybe at a reboot
    // that ran no robust-mutex cleanup): the mutexes are made anew before anyone locks.
    let alone = false;
    this.inUseFd = holdInUse(cachePath, timeoutMs, () => {
      alone = true;
      this.initMutexes();
    });
    try {
      if (!alone) this.assertSameLibc();
      this.directoryFd = holdDirectory(dirname(cachePath));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  lock(stripe: number): void {
    const mutex = this.mutex;
    if (mutex === undefined || TEST_NO_LOCK) return;
    const wait = this.stalled[stripe] === 1 ? this.stalledWait() : this.timeoutMs;
    let rc = this.timedLock(stripe, wait);
    if (this.damaged(rc)) {
      this.remake(stripe);
      rc = this.timedLock(stripe, wait);
    }
    // EOWNERDEAD: ours now; the page generation tells the caller what the dead holder left.
    if (rc === 0 || rc === mutex.EOWNERDEAD) {
      this.stalled[stripe] = 0;
      return;
    }
    if (rc === mutex.ETIMEDOUT) this.stalled[stripe] = 1;
    throw this.lockError(stripe, rc, wait);
  }

  /**
   * One lock of the stripe, waiting up to `wait` ms. A wait whose deadline passed while this
   * process could not run (itself stopped by SIGSTOP, a paused container or VM, a starved CPU
   * quota) says nothing of the holder: glibc then answers ETIMEDOUT without looking at the
   * lock again, so it is made once more. Timed only when the lock is taken: a free one costs
   * the one call it always did.
   */
  private timedLock(stripe: number, wait: number): number {
    const mutex = this.mutex!;
    const at = mutexAt(stripe);
    const rc = mutex.tryLock(this.map, at);
    if (rc !== mutex.EBUSY) return rc;
    const started = performance.now();
    const waited = mutex.lock(this.map, at, wait);
    this.waitedAgain = false;
    this.lastWaitMs = performance.now() - started;
    if (waited !== mutex.ETIMEDOUT || this.lastWaitMs < wait + OVERSLEPT_MS) return waited;
    this.waitedAgain = true;
    const again = mutex.lock(this.map, at, wait);
    this.lastWaitMs = performance.now() - started; // for the error: the whole wait, not `wait`
    return again;
  }

  private stalledWait(): number {
    return Math.min(this.timeoutMs, STALLED_WAIT_MS);
  }

  /** One attempt that never waits, for best-effort work such as refreshing LRU times. */
  tryLock(stripe: number): boolean {
    const mutex = this.mutex;
    if (mutex === undefined || TEST_NO_LOCK) return true;
    let rc = mutex.tryLock(this.map, mutexAt(stripe));
    if (this.damaged(rc)) {
      this.remake(stripe);
      rc = mutex.tryLock(this.map, mutexAt(stripe));
    }
    if (rc === 0 || rc === mutex.EOWNERDEAD) {
      this.stalled[stripe] = 0;
      return true;
    }
    if (rc === mutex.EBUSY) return false;
    throw this.lockError(stripe, rc);
  }

  unlock(stripe: number): void {
    const mutex = this.mutex;
    if (mutex === undefined || TEST_NO_LOCK) return;
    const rc = mutex.unlock(this.map, mutexAt(stripe));
    // Garbled while we held it: the work under it is done, the mutex is made anew for others.
    if (this.damaged(rc)) this.remake(stripe);
    else if (rc !== 0) throw this.lockError(stripe, rc);
  }

  close(): void {
    if (this.directoryFd >= 0) closeSync(this.directoryFd);
    this.directoryFd = -1;
    if (this.inUseFd >= 0) closeSync(this.inUseFd);
    this.inUseFd = -1;
  }

  private damaged(rc: number): boolean {
    return rc !== 0 && (rc === this.mutex!.EUCLEAN || rc === this.mutex!.ENOTRECOVERABLE);
  }

  /**
   * Makes a damaged mutex anew (bytes written over the file's header would otherwise lock its
   * pages until every process had closed the file). One process at a time, through the
   * creation lock, and only if it is still damaged: a second maker could wipe the lock that
   * the first has taken on the new mutex meanwhile.
   */
  private remake(stripe: number): void {
    const mutex = this.mutex!;
    const guard = holdCreationLock(this.cachePath, this.timeoutMs);
    try {
      if (mutex.check(this.map, mutexAt(stripe)) === 0) return;
      const rc = mutex.init(this.map, mutexAt(stripe));
      if (rc !== 0) throw this.lockError(stripe, rc);
    } finally {
      guard.release();
    }
  }

  /**
   * Joining processes that have the file open: their mutexes must be of our C library's
   * layout, or neither side would exclude the other. Refused only when every stripe carries
   * the same other library's tag: bytes written over some (damage) are remade on use instead.
   */
  private assertSameLibc(): void {
    const own = this.mutex!.libcTag;
    const first = this.map.readUInt32LE(mutexAt(0) + MUTEX_LIBC_TAG);
    const other = LIBC_TAGS.get(first);
    if (first === own >>> 0 || other === undefined) return;
    for (let s = 1; s < this.stripes; s++) {
      if (this.map.readUInt32LE(mutexAt(s) + MUTEX_LIBC_TAG) !== first) return;
    }
    throw new FastMmapError(
      'ERR_FASTMMAP_LOCK_FAILED',
      `${this.cachePath}: its page locks were made by a process using ${other}, and this one uses ${LIBC_TAGS.get(own >>> 0) ?? 'another C library'}; their mutexes differ, so they would not exclude each other. Run every process that shares the file on one C library (one base image), or give each its own file`,
    );
  }

  private initMutexes(): void {
    const mutex = this.mutex!;
    for (let s = 0; s < this.stripes; s++) {
      const rc = mutex.init(this.map, mutexAt(s));
      if (rc !== 0) throw this.lockError(s, rc);
    }
  }

  private lockError(stripe: number, rc: number, waited = this.timeoutMs): FastMmapError {
    const mutex = this.mutex!;
    if (rc === mutex.ETIMEDOUT) {
      const since =
        waited < this.timeoutMs
          ? `, and not since an earlier wait of ${this.timeoutMs} ms timed out: its holder looks stopped (SIGSTOP, a debugger), so this process no longer waits long for it`
          : ' (a process holding it may be stopped or stuck)';
      // Overslept, then timed out again: the wait lasted far longer than `waited`, say so.
      const within = this.waitedAgain
        ? `within ${Math.round(this.lastWaitMs)} ms (a wait of ${waited} ms that this process overslept, itself stopped or starved, then one more)`
        : `within ${waited} ms`;
      // The operator's next step: the CLI reads the holder's thread id from the lock.
      return new FastMmapError(
        'ERR_FASTMMAP_LOCK_TIMEOUT',
        `lock stripe ${stripe} not granted ${within}${since}; \`fastmmap verify ${this.cachePath}\` (@fastmmap/cli) names the process that holds it`,
      );
    }
    // A mutex this process cannot use: damaged, or not made by this format.
    return new FastMmapError(
      'ERR_FASTMMAP_LOCK_FAILED',
      `${this.cachePath}: the page lock of stripe ${stripe} failed (error ${rc})`,
    );
  }
}

/** Where stripe s's mutex is in the mapping. */
const mutexAt = (stripe: number): number => H_MUTEXES + stripe * MUTEX_STRIDE;

/**
 * Best effort: a shared flock on the cache's directory for as long as the cache is open.
 * systemd-tmpfiles does not age a directory, or anything in it, while a BSD lock is held on
 * it, so a /tmp cleaner (10 days on Fedora and Arch) leaves the cache file of running
 * processes alone. -1 when the directory cannot be opened or locked.
 */
function holdDirectory(dir: string): number {
  const { flockSync, constants } = loadFsExt();
  let fd: number;
  try {
    fd = openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  } catch {
    return -1;
  }
  try {
    flockSync(fd, constants.LOCK_SH | constants.LOCK_NB);
    return fd;
  } catch {
    closeSync(fd);
    return -1;
  }
}
