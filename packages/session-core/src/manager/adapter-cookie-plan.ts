import { commitNow, ManagedSession } from './session.js';
import type { Session } from './types.js';

// What adapters ask of a session's cookie plan (see cookie-planner.ts), for responses that
// cannot carry the cookie, or not yet. Sessions not from manager.load() are answered safely.

/**
 * From now on the session plans no cookie and takes no touch that merely falls due (see
 * commitWithoutCookies): for a request whose response cannot carry one. False for anything
 * but a session from manager.load().
 */
export function markCookieless(session: Session<object>): boolean {
  return ManagedSession.markCookieless(session);
}

/**
 * For response headers that go out before the body and cannot wait for the commit (Express's
 * streamed body): true when the commit cannot finish in the call (an asynchronous store, or a
 * commit queued) and the cookie it plans would only renew the id the client holds (`rolling`,
 * a refresh due, a re-signed cookie). Unconfirmed, that cookie names an id a concurrent login
 * may have killed since our load: arriving after the login's, it would log the browser out. The
 * adapter then commits with commitWithoutCookies(), so the refresh stays due for the next
 * response. False for a new or regenerated id and a lifetime changed here: that cookie goes.
 */
export function unconfirmedRefresh(session: Session<object>): boolean {
  return ManagedSession.unconfirmedRefresh(session);
}

/**
 * For response headers that no commit of the session ever confirms (Express's WebSocket
 * upgrade under engine.io, whose 101 goes out with the handshake's planned cookie): true when
 * that cookie would only renew the id the client holds (`rolling`, a refresh due, a re-signed
 * cookie). It names the id as loaded, which a login may have killed since (an asynchronous
 * store's round trip, an `allowRequest` check): arriving after the login's, it would log the
 * browser out. Such a refresh stays due for the next response. False for a new or regenerated
 * id, a lifetime changed here, and anything but a session from manager.load().
 */
export function refreshOnly(session: Session<object>): boolean {
  return ManagedSession.refreshOnly(session);
}

/**
 * Whether this request set the session's `maxAge` (a save() may have committed it since). A
 * commit, save() included, also takes a lifetime another request stored since the load: an
 * adapter comparing `maxAge` with the loaded one asks this first, so as not to report that
 * one as its own. True for a session not from manager.load(), which cannot tell.
 */
export function lifetimeSetHere(session: Session<object>): boolean {
  return ManagedSession.lifetimeSet(session);
}

/**
 * commitNow() for a request whose response can carry no cookie (koa-websocket's WebSocket
 * contexts): none is planned from now on, and no touch that falls due, so that the next
 * response that can carry a cookie still finds its refresh due (changes are written). A
 * session that cannot be marked (a wrapping manager's, a second copy of this package's) is
 * committed as usual: failing a commit an app's `manager` option made would be worse.
 * `plannedLost`: a cookie an earlier commit of this request planned (a save()) did not go out
 * either (Koa's raw ctx.res write), so it is owed to the next response that can carry one.
 */
export function commitWithoutCookies(
  session: Session<object>,
  plannedLost = false,
): string[] | Promise<string[]> {
  ManagedSession.markCookieless(session, plannedLost);
  return commitNow(session);
}
