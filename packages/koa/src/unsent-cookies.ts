import { type Session, SessionError } from '@fastmmap/session-core';
import type { Context } from 'koa';

/** `name=value`, the part of a Set-Cookie value that says which cookie it sets. */
const pairOf = (cookie: string): string => cookie.split(';', 1)[0]!;

/** The response already carries this cookie: the app sent `cookieHeaders()` itself. */
function alreadySet(ctx: Context, pair: string): boolean {
  const set = ctx.res.getHeader('set-cookie');
  const values = Array.isArray(set) ? set : typeof set === 'string' ? [set] : [];
  return values.some((value) => pairOf(value) === pair);
}

/**
 * Reports, on the app's 'error' channel, the session cookies among `cookies` that the response
 * cannot carry because its headers went out already (`ctx.respond = false` and a raw
 * `ctx.res.writeHead()`/`end()`). True when there were any. A destroyed session's clearing
 * cookie is not reported: its tombstone already refuses the cookie the client keeps.
 */
export function reportUnsentCookies(
  ctx: Context,
  session: Session,
  cookies: readonly string[],
  stored: boolean,
): boolean {
  if (session.destroyed) return false;
  const lost = cookies.map(pairOf).filter((pair) => !alreadySet(ctx, pair));
  if (lost.length === 0) return false;
  // The cookie's name only: its value is the signed session id.
  const names = lost.map((pair) => `'${pair.split('=', 1)[0]}'`).join(', ');
  const outcome = stored
    ? 'the session was stored, but the client does not get this cookie'
    : 'the new session was not stored, since no client could ever send its id';
  ctx.app.emit(
    'error',
    new SessionError(
      'ERR_SESSION_HEADERS_SENT',
      `session cookie ${names} could not be sent: the response headers were sent before the ` +
        `session was committed (ctx.respond = false with a direct ctx.res write?); ${outcome}. ` +
        'Append ctx.session.cookieHeaders() to Set-Cookie before sending the headers.',
    ),
    ctx,
  );
  return true;
}
