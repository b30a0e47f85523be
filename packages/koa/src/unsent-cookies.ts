import type { Session } from '@fastmmap/session-core';
import {
  headersSentError,
  idStored,
  setCookieValues,
  type UnsentOutcome,
  unsentCookieNames,
} from '@fastmmap/session-core/adapter';
import type { Context } from 'koa';

/**
 * Reports, on the app's 'error' channel, the session cookies among `cookies` that the response
 * cannot carry because its headers went out already (`ctx.respond = false` and a raw
 * `ctx.res.writeHead()`/`end()`, or Koa 2 answering a failed body stream). `outcome`: the
 * commit ran (the headers went out while it did), or was skipped for a new id nobody could
 * send (which a save() may have stored already: see unreachableOutcome). True when there were
 * any.
 */
export function reportUnsentCookies(
  ctx: Context,
  session: Session,
  cookies: readonly string[],
  outcome: UnsentOutcome,
): boolean {
  const names = unsentCookieNames(session, cookies, ctx.res.getHeader('set-cookie'));
  if (names.length === 0) return false;
  report(ctx, names, outcome);
  return true;
}

/** A new id whose cookie cannot go out: skipped by this commit, or stored by an earlier one. */
export function unreachableOutcome(session: Session): UnsentOutcome {
  return idStored(session) ? 'unreachable' : 'skipped';
}

/**
 * Reports a `maxAge` ("remember me") set in a request whose headers went out before the
 * commit, unless the app sent the session's cookie itself: the record has the new lifetime,
 * the browser's cookie the old one until the next response.
 */
export function reportLateLifetime(ctx: Context, session: Session, cookieName: string): void {
  if (session.destroyed || sentCookieNamed(ctx, cookieName)) return;
  report(ctx, [cookieName], 'owed');
}

/** Whether the response's headers set the cookie `name` (the app may have sent it itself). */
export function sentCookieNamed(ctx: Context, name: string): boolean {
  const sent = setCookieValues(ctx.res.getHeader('set-cookie'));
  return sent.some((cookie) => cookie.startsWith(`${name}=`));
}

function report(ctx: Context, names: readonly string[], outcome: UnsentOutcome): void {
  // Without ctx.respond = false, headers sent before the commit came from a direct ctx.res
  // write, or from Koa 2 answering a body stream that failed while the commit ran.
  const cause =
    ctx.respond === false
      ? 'ctx.respond = false with a direct ctx.res write?'
      : 'a direct ctx.res write, or Koa answering a body stream that failed meanwhile?';
  const fix =
    outcome === 'owed'
      ? 'Set maxAge before sending the headers, or append ctx.session.cookieHeaders() to Set-Cookie then'
      : 'Append ctx.session.cookieHeaders() to Set-Cookie before sending the headers';
  ctx.app.emit('error', headersSentError(names, outcome, cause, fix), ctx);
}
