import type { PageCheck } from './page-check.js';
import type { PageStore } from './page-store.js';
import { sleepSync } from './sleep-sync.js';

/**
 * How long a read-only verify() watches the pages it found torn. A reader without locks takes
 * a write that lasts its grace (20 ms) for a dead writer's, and a live writer the scheduler set
 * aside that long mid-write (a loaded host, more processes than cores) is common enough: the
 * CLI's `verify` then failed on a healthy file.
 */
export const TORN_RECHECK_MS = 250;

/**
 * For a reader without locks, after a verify pass: each page found torn whose write marker
 * moves on within TORN_RECHECK_MS (its writer was alive) is checked again, in place in
 * `checks`. A page still torn by then keeps its report: a writer that died, or is stopped.
 */
export function recheckTornPages(
  store: PageStore,
  checks: PageCheck[],
  check: (page: number) => PageCheck,
): void {
  const watched = new Map<number, number>(); // page -> the odd generation it was found under
  checks.forEach((c, page) => {
    if (c.torn) watched.set(page, Atomics.load(store.i32, store.genIndex(store.base(page))));
  });
  const deadline = performance.now() + TORN_RECHECK_MS;
  while (watched.size > 0 && performance.now() < deadline) {
    sleepSync(1);
    for (const [page, gen] of watched) {
      const now = Atomics.load(store.i32, store.genIndex(store.base(page)));
      if (now === gen) continue;
      const again = check(page);
      checks[page] = again;
      if (again.torn) watched.set(page, Atomics.load(store.i32, store.genIndex(store.base(page))));
      else watched.delete(page);
    }
  }
}
