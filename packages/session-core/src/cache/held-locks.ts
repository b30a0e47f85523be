import { H_MUTEXES, LIBC_TAGS, MUTEX_LIBC_TAG, MUTEX_STRIDE } from './layout.js';

/** A page lock that named a holder when it was read (see FastMmapCache.heldLocks). */
export interface HeldLock {
  stripe: number;
  /**
   * The holder's thread id, from the mutex's lock word: as the holder's PID namespace numbers
   * it (the main thread's is its pid; the cache locks on main threads only).
   */
  threadId: number;
  /** How many pages the stripe locks. */
  pages: number;
  /**
   * A stamp of the generations of the stripe's pages, which every write changes: one holder
   * and one stamp on looks some time apart mean no write went through that lock in between.
   */
  writes: number;
}

/** The thread id bits of a futex word (FUTEX_TID_MASK); above them WAITERS and OWNER_DIED. */
const TID_MASK = 0x3fffffff;

/**
 * One look at every stripe's mutex, read from the mapping without locking: robust mutexes keep
 * their holder's thread id in the futex word (glibc `__lock`, musl `_m_lock`), and 0 there
 * when free. A dead holder's word keeps only the OWNER_DIED bit, which is free too (its next
 * locker repairs). Files made before the library tag (0) are read as glibc's.
 */
export function readHeldLocks(
  i32: Int32Array,
  stripes: number,
  numPages: number,
  genIndexOf: (page: number) => number,
): HeldLock[] {
  const held: HeldLock[] = [];
  for (let stripe = 0; stripe < stripes; stripe++) {
    const at = (H_MUTEXES + stripe * MUTEX_STRIDE) >>> 2;
    const tag = i32[at + (MUTEX_LIBC_TAG >>> 2)]! >>> 0;
    // musl's lock word is the mutex's second int, glibc's the first.
    const musl = LIBC_TAGS.get(tag) === 'musl';
    const threadId = Atomics.load(i32, at + (musl ? 1 : 0)) & TID_MASK;
    // TID_MASK whole: musl's mark of a mutex left unrecoverable, not a thread.
    if (threadId === 0 || threadId === TID_MASK) continue;
    let writes = 0;
    let pages = 0;
    for (let page = stripe; page < numPages; page += stripes) {
      writes = (writes + Atomics.load(i32, genIndexOf(page))) | 0;
      pages++;
    }
    held.push({ stripe, threadId, pages, writes });
  }
  return held;
}
