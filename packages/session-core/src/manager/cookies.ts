import { parseCookie } from 'cookie';
import type { ResolvedCookieOptions } from './options.js';

/** Longer cookie values are hostile or foreign: never parsed further. */
export const MAX_COOKIE_VALUE_LENGTH = 4096;

/** How many same-named cookies are tried (a parent domain may send its own, say). */
const MAX_CANDIDATES = 4;

/**
 * The values of every cookie called `name` in the header, in order, at most four, dropping
 * empty and implausibly long ones. Browsers send several cookies of one name
 * when paths or domains differ, and the first is not always ours.
 */
export function readCookieValues(header: string | undefined, name: string): string[] {
  if (typeof header !== 'string' || header.length === 0) return [];
  const values: string[] = [];
  // Only pairs that contain the name are cut out and looked at: a browser's header often holds
  // a dozen other cookies (analytics, consent...), and splitting them all took ~4x as long.
  // Cookie names never contain ';', so each pair found is one that split(';') would give.
  let at = header.indexOf(name);
  while (at >= 0) {
    const start = header.lastIndexOf(';', at) + 1;
    let end = header.indexOf(';', at);
    if (end < 0) end = header.length;
    const value = pairValue(header.slice(start, end), name);
    if (value !== undefined) {
      values.push(value);
      if (values.length === MAX_CANDIDATES) break;
    }
    at = header.indexOf(name, end);
  }
  return values;
}

/** The value of a `name=value` pair if it is a usable cookie called `name`. */
function pairValue(pair: string, name: string): string | undefined {
  const eq = pair.indexOf('=');
  if (eq < 0 || pair.slice(0, eq).trim() !== name) return undefined;
  // The cookie package percent-decodes; RFC 6265 also allows a value in double quotes.
  let value = parseCookie(pair)[name];
  if (value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1);
  }
  if (value === undefined || value.length === 0 || value.length > MAX_COOKIE_VALUE_LENGTH)
    return undefined;
  return value;
}

/** The Set-Cookie values of one manager, built from attribute strings computed once. */
export interface CookieSerializer {
  /**
   * Set-Cookie for a live session; `value` is a signed id (base64url and a dot: no escaping).
   * `maxAge` is the session's own lifetime (Session.maxAge) when it has one.
   */
  session(value: string, requestSecure: boolean, now: number, maxAge?: number | null): string;
  /** Set-Cookie that makes the browser drop the session cookie now. */
  clearing(requestSecure: boolean): string;
}

const SAME_SITE: Record<string, string> = {
  true: '; SameSite=Strict',
  strict: '; SameSite=Strict',
  lax: '; SameSite=Lax',
  none: '; SameSite=None',
};

/** `; Expires=<date>`, or a TypeError (as the cookie package throws) past what a Date holds. */
function expiresAttribute(time: number): string {
  const date = new Date(time);
  if (!Number.isFinite(date.getTime())) throw new TypeError(`option expires is invalid: ${date}`);
  return `; Expires=${date.toUTCString()}`;
}

/** Whether the session cookie carries Secure on a request that came over HTTPS or not. */
export function cookieIsSecure(options: ResolvedCookieOptions, requestSecure: boolean): boolean {
  if (requestSecure) return options.secure !== false;
  // SameSite=None without Secure is dropped by browsers: with secure 'auto' on a plain-HTTP
  // request it still gets Secure (which browsers accept on http://localhost, for development).
  return options.secure === true || String(options.sameSite).toLowerCase() === 'none';
}

/**
 * The same strings the `cookie` package's stringifySetCookie builds (attribute order Max-Age,
 * Domain, Path, Expires, HttpOnly, Secure, Partitioned, SameSite), but the constant parts are
 * joined once: per response only the value and Expires change. The options were validated by
 * resolveOptions. maxAge (ms) becomes Max-Age (s) plus Expires for old clients.
 */
export function createCookieSerializer(
  name: string,
  options: ResolvedCookieOptions,
): CookieSerializer {
  const domain = options.domain ? `; Domain=${options.domain}` : '';
  const path = options.path ? `; Path=${options.path}` : '';
  const sameSite =
    options.sameSite === false ? '' : (SAME_SITE[String(options.sameSite).toLowerCase()] ?? '');
  const flags = (secure: boolean) =>
    (options.httpOnly ? '; HttpOnly' : '') +
    (secure ? '; Secure' : '') +
    (options.partitioned ? '; Partitioned' : '') +
    sameSite;
  const tailPlain = flags(cookieIsSecure(options, false));
  const tailSecure = flags(cookieIsSecure(options, true));
  const tail = (requestSecure: boolean) => (requestSecure ? tailSecure : tailPlain);

  const clearingPlain = `${name}=; Max-Age=0${domain}${path}; Expires=${new Date(0).toUTCString()}`;
  const maxAge = options.maxAge;
  const head = `${name}=`;
  const afterValue =
    maxAge === null ? `${domain}${path}` : `; Max-Age=${Math.floor(maxAge / 1000)}${domain}${path}`;

  // Expires has second resolution: one toUTCString per second, not per response.
  let expiresSecond = Number.NaN;
  let expires = '';
  // A Date only when the second changes (a valid time repeats a cached second, an invalid
  // one, NaN, never does).
  const expiresAt = (now: number): string => {
    const raw = now + (maxAge as number);
    if (Math.floor(raw / 1000) === expiresSecond) return expires;
    expires = expiresAttribute(raw);
    expiresSecond = Math.floor(raw / 1000);
    return expires;
  };

  return {
    session(value, requestSecure, now, own = maxAge) {
      if (own === maxAge) {
        const when = maxAge === null ? '' : expiresAt(now);
        return head + value + afterValue + when + tail(requestSecure);
      }
      // A session with its own lifetime ("remember me"): rare enough to build in full.
      const lifetime =
        own === null
          ? `${domain}${path}`
          : `; Max-Age=${Math.floor(own / 1000)}${domain}${path}${expiresAttribute(now + own)}`;
      return head + value + lifetime + tail(requestSecure);
    },
    clearing(requestSecure) {
      return clearingPlain + tail(requestSecure);
    },
  };
}
