import type { Session } from './types.js';

/**
 * The Set-Cookie values the session's next commit plans, or none when it cannot plan any: data
 * no store can keep makes cookieHeaders() throw. For callers that only look at the plan (a
 * warning, headers that cannot wait): the commit that follows fails with that error where the
 * adapter reports it, and is counted; thrown from a response method it was uncaught.
 */
export function plannedCookies(session: Session<object>): string[] {
  try {
    return session.cookieHeaders();
  } catch {
    return [];
  }
}
