import { assignmentDestroys } from '@fastmmap/session-core/adapter';
import type { RequestSession } from './request-session.js';

const noop = (): void => {};

/**
 * `req.session = value` on a request that session() handles. null or undefined logs out, as
 * with cookie-session, koa-session and express-session's `unset: 'destroy'`: a session kept
 * in the store behind an assignment that looks like a logout would fail open. Anything else
 * would silently not be stored, so it throws.
 */
export function assignSession(state: RequestSession, value: unknown): void {
  if (!assignmentDestroys(state.value, value, 'req.session')) return;
  const destroying = state.current.destroy();
  if (state.ended) {
    // Assigned once the commit has started (a 'finish' listener): the tombstone still ends
    // the session, but no response waits for it, and Express has no error channel left.
    destroying.catch((err: unknown) => process.emitWarning(err as Error));
    return;
  }
  // The assignment cannot be awaited or caught, so the commit waits for the destroy and fails
  // with it (until then, no unhandled rejection).
  destroying.catch(noop);
  state.destroying = destroying;
}
