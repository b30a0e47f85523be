import { SessionError } from '../errors.js';
import type { Session } from './types.js';

/** `name=value`, the part of a Set-Cookie value that says which cookie it sets. */
const pairOf = (cookie: string): string => cookie.split(';', 1)[0]!;

/**
 * For adapters whose response may have sent its headers before the session was committed (a
 * streamed body, a raw write): the names of the session cookies among `cookies` that the
 * response does not carry. `setCookie` is the response's Set-Cookie header as it went out (an
 * app may have sent `cookieHeaders()` itself). None for a destroyed session: its tombstone
 * already refuses the cookie the client keeps.
 */
export function unsentCookieNames(
  session: Session,
  cookies: readonly string[],
  setCookie: unknown,
): string[] {
  if (session.destroyed || cookies.length === 0) return [];
  const sentPairs = new Set(setCookieValues(setCookie).map(pairOf));
  // The cookie's name only: its value is the signed session id.
  return cookies
    .map(pairOf)
    .filter((pair) => !sentPairs.has(pair))
    .map((pair) => pair.split('=', 1)[0]!);
}

/** A response's Set-Cookie header as `getHeader()` gives it (a string, an array, none): its values. */
export function setCookieValues(setCookie: unknown): string[] {
  if (Array.isArray(setCookie)) return setCookie.map(String);
  return typeof setCookie === 'string' ? [setCookie] : [];
}

/**
 * Whether committing now would store a session no request could reach: its id is new to the
 * client (a new session, or regenerated in this request) and its cookie can no longer go out.
 */
export function unreachableAfterHeaders(session: Session, loadedId: string): boolean {
  return !session.destroyed && (session.isNew || session.id !== loadedId);
}

/**
 * What became of a session whose cookie could not be sent: `stored` (a known id: the client's
 * cookie still finds the data), `skipped` (a new id nobody could ever send), `unreachable` (a
 * new id an earlier commit, a save(), stored before the headers went out: nobody can send it
 * either) or `owed` (a known id whose new lifetime the manager sends with the next response
 * that can carry a cookie).
 */
export type UnsentOutcome = 'stored' | 'skipped' | 'unreachable' | 'owed';

const outcomes: Record<UnsentOutcome, string> = {
  stored: 'the session was stored, but the client does not get this cookie',
  skipped: 'the new session was not stored, since no client could ever send its id',
  unreachable:
    'the new session was stored by an earlier save() or commit(), but no client can reach it without this cookie',
  owed: "the session was stored; the client's cookie keeps its old lifetime until the next response, which sends the new one",
};

/**
 * The error adapters report (on their framework's error channel, or as a warning) when session
 * cookies could not be sent. `cause` guesses what sent the headers early and `fix` says how to
 * avoid it, in the framework's words.
 */
export function headersSentError(
  names: readonly string[],
  outcome: UnsentOutcome,
  cause: string,
  fix: string,
): SessionError {
  return new SessionError(
    'ERR_SESSION_HEADERS_SENT',
    `session cookie ${names.map((name) => `'${name}'`).join(', ')} could not be sent: the response headers were sent before the session was committed (${cause}); ${outcomes[outcome]}. ${fix}.`,
  );
}
