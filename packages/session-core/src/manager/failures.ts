import type { SessionManager } from './types.js';

/** What failed: a manager's load, or a session's commit, regenerate() or destroy(). */
export type FailedOperation = 'load' | 'commit' | 'regenerate' | 'destroy';

/** How many times one operation failed with one error code, in this process. */
export interface SessionFailureCount {
  readonly operation: FailedOperation;
  /** The error's `code` (ERR_SESSION_STORE_UNAVAILABLE for an outage), or 'unknown'. */
  readonly code: string;
  readonly count: number;
}

// A code becomes a label value: a store's own codes are a short list, but a code that is no
// identifier (or one past the cap) would make a series per message and flood the scrape.
const CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_CODES = 64;

/** The label an error is counted under (before the cap on codes). */
export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && CODE.test(code) ? code : 'unknown';
}

/**
 * A manager's failure counters, per process. Counted only where a failure is already caught,
 * so a request that succeeds pays nothing for them.
 */
export class FailureCounts {
  readonly #counts = new Map<string, SessionFailureCount>();

  add(operation: FailedOperation, err: unknown): void {
    let code = codeOf(err);
    // An outage keeps its own series past the cap: the README's alert watches that code.
    const capped = this.#counts.size >= MAX_CODES && code !== 'ERR_SESSION_STORE_UNAVAILABLE';
    if (capped && !this.#counts.has(`${operation} ${code}`)) code = 'other';
    const key = `${operation} ${code}`;
    const count = (this.#counts.get(key)?.count ?? 0) + 1;
    this.#counts.set(key, { operation, code, count });
  }

  snapshot(): SessionFailureCount[] {
    return [...this.#counts.values()];
  }
}

const byManager = new WeakMap<object, FailureCounts>();

export function registerFailureCounts(manager: SessionManager, counts: FailureCounts): void {
  byManager.set(manager, counts);
}

/**
 * The failed loads, commits, regenerates and destroys of a manager from createSessionManager()
 * (an adapter's `session().manager`) in this process, by error code; undefined for anything
 * else. For a metrics library of your own; renderPrometheus(manager) renders them.
 */
export function sessionFailures(manager: unknown): SessionFailureCount[] | undefined {
  if (manager === null || typeof manager !== 'object') return undefined;
  return byManager.get(manager)?.snapshot();
}
