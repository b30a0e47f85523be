import { SessionError } from '../errors.js';
import { commitWithoutCookies } from './adapter-cookie-plan.js';
import { plannedCookies } from './planned-cookies.js';
import { ManagedSession } from './session.js';
import type { Session } from './types.js';
import { unreachableAfterHeaders } from './unsent-cookies.js';

/**
 * A WebSocket handshake (`Upgrade: websocket`). Under @hono/node-ws and koa-easy-ws its
 * response never reaches the browser with our headers: the 101 goes out without them.
 */
export function isWebSocketUpgrade(upgradeHeader: string | undefined): boolean {
  return upgradeHeader !== undefined && /\bwebsocket\b/i.test(upgradeHeader);
}

/**
 * The commit of a request whose response can carry no cookie (a WebSocket handshake, or
 * koa-websocket's contexts, which have no response). An id the client does not hold (new, or
 * regenerated here) is not written: no request could ever reach it. A known one is written
 * with no cookie planned and no touch taken, so the next response that can carry the cookie
 * still refreshes it, or sends the one an earlier commit of this request planned.
 */
export function commitCookieless(
  session: Session<object>,
  loadedId: string,
): string[] | Promise<string[]> {
  if (unreachableAfterHeaders(session as Session, loadedId) && plannedCookies(session).length > 0)
    return [];
  // No answer of this request carries a cookie: one a commit() or save() of it planned before
  // went nowhere either, so it is owed to the next response that can carry one.
  return commitWithoutCookies(session, true);
}

/**
 * Commits a session from `manager.load()` where no response can carry its cookie (a WebSocket
 * message): what changed is written, no cookie is planned, and a cookie refresh that falls
 * due is left to the next HTTP response (a plain commit() would count it as sent). A new
 * session, whose id the client does not hold, is not stored.
 */
export async function commitWithoutCookie(session: Session<object>): Promise<void> {
  // An adapter's view (a Proxy) cannot be marked: its commit would count a cookie as sent.
  if (!ManagedSession.isManaged(session)) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      "commitWithoutCookie() takes a session from manager.load(), not an adapter's view of one",
    );
  }
  await commitCookieless(session, session.isNew ? '' : session.id);
}
