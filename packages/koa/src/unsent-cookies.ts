import type { Session } from '@fastmmap/session-core';
import { headersSentError, unsentCookieNames } from '@fastmmap/session-core/adapter';
import type { Context } from 'koa';

/**
 * Reports, on the app's 'error' channel, the session cookies among `cookies` that the response
 * cannot carry because its headers went out already (`ctx.respond = false` and a raw
 * `ctx.res.writeHead()`/`end()`, or Koa 2 answering a failed body stream). True when there
 * were any.
 */
export function reportUnsentCookies(
  ctx: Context,
  session: Session,
  cookies: readonly string[],
  stored: boolean,
): boolean {
  const names = unsentCookieNames(session, cookies, ctx.res.getHeader('set-cookie'));
  if (names.length === 0) return false;
  // Without ctx.respond = false, headers sent before the commit came from a direct ctx.res
  // write, or from Koa 2 answering a body stream that failed while the commit ran.
  const cause =
    ctx.respond === false
      ? 'ctx.respond = false with a direct ctx.res write?'
      : 'a direct ctx.res write, or Koa answering a body stream that failed meanwhile?';
  const fix = 'Append ctx.session.cookieHeaders() to Set-Cookie before sending the headers';
  const outcome = stored ? 'stored' : 'skipped';
  ctx.app.emit('error', headersSentError(names, outcome, cause, fix), ctx);
  return true;
}
