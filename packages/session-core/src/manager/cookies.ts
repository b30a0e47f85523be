import { type SetCookie, stringifySetCookie } from 'cookie';
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
  // Only pairs that contain the name are looked at, in place: a browser's header often holds
  // a dozen other cookies (analytics, consent...), and splitting them all took ~4x as long.
  // Cookie names never contain ';', so each pair found is one that split(';') would give.
  let at = header.indexOf(name);
  while (at >= 0) {
    const start = header.lastIndexOf(';', at) + 1;
    let end = header.indexOf(';', at);
    if (end < 0) end = header.length;
    const value = pairValue(header, start, end, name);
    if (value !== undefined) {
      values.push(value);
      if (values.length === MAX_CANDIDATES) break;
    }
    at = header.indexOf(name, end);
  }
  return values;
}

/** Space and tab: what the cookie package trims around names and values. */
const isBlank = (code: number): boolean => code === 0x20 || code === 0x09;

/**
 * The value of the pair `header[start, end)` if it is a usable cookie called `name`: read as
 * the cookie package's parse reads it (blanks trimmed, percent-decoded when it has a '%'),
 * without the strings and object that parse allocates for every pair.
 */
function pairValue(header: string, start: number, end: number, name: string): string | undefined {
  // Looked for inside the pair only: indexOf would scan on to the header's end for every pair
  // without one, quadratic in a header of bare names ("fmsid;fmsid;...").
  let eq = start;
  while (eq < end && header.charCodeAt(eq) !== 0x3d) eq++;
  if (eq === end) return undefined;
  let from = start;
  while (from < eq && isBlank(header.charCodeAt(from))) from++;
  let to = eq;
  while (to > from && isBlank(header.charCodeAt(to - 1))) to--;
  if (to - from !== name.length || !header.startsWith(name, from)) return undefined;
  from = eq + 1;
  to = end;
  while (from < to && isBlank(header.charCodeAt(from))) from++;
  while (to > from && isBlank(header.charCodeAt(to - 1))) to--;
  let value = header.slice(from, to);
  if (value.includes('%')) value = percentDecoded(value);
  // RFC 6265 also allows a value in double quotes.
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  if (value.length === 0 || value.length > MAX_COOKIE_VALUE_LENGTH) return undefined;
  return value;
}

/** decodeURIComponent, or the value as it is when it is not valid percent-encoding. */
function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
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

/** Whether the session cookie carries Secure on a request that came over HTTPS or not. */
export function cookieIsSecure(options: ResolvedCookieOptions, requestSecure: boolean): boolean {
  if (requestSecure) return options.secure !== false;
  // SameSite=None or Partitioned without Secure is dropped by browsers: with secure 'auto' on a
  // plain-HTTP request it still gets Secure (which browsers accept on http://localhost).
  return (
    options.secure === true ||
    options.partitioned ||
    String(options.sameSite).toLowerCase() === 'none'
  );
}

/** Any valid cookie value: it marks where the value goes in a Set-Cookie the package built. */
const VALUE_MARK = 'v';

/**
 * Set-Cookie strings built by the `cookie` package's stringifySetCookie (which validates every
 * attribute and orders them), cut at the value: per response only the value is joined in, and
 * the attributes after it are rebuilt only when Expires moves to another second. Values are
 * signed ids (base64url and a dot), which the package's encoding leaves as they are. maxAge (ms)
 * becomes Max-Age (s) plus Expires for old clients.
 */
export function createCookieSerializer(
  name: string,
  options: ResolvedCookieOptions,
): CookieSerializer {
  const head = `${name}=`;
  const build = (secure: boolean, attributes: Partial<SetCookie>): string =>
    stringifySetCookie({
      name,
      value: VALUE_MARK,
      domain: options.domain,
      path: options.path || undefined,
      httpOnly: options.httpOnly,
      secure,
      partitioned: options.partitioned,
      priority: options.priority,
      sameSite: options.sameSite,
      ...attributes,
    });
  const afterValue = (secure: boolean, attributes: Partial<SetCookie>): string =>
    build(secure, attributes).slice(head.length + VALUE_MARK.length);
  // The attributes of a lifetime of `maxAge` ms from `now`, or of a browser-session cookie.
  const lifetime = (secure: boolean, maxAge: number | null, now: number): string =>
    maxAge === null
      ? afterValue(secure, {})
      : afterValue(secure, {
          maxAge: Math.floor(maxAge / 1000),
          expires: new Date(now + maxAge),
        });

  const maxAge = options.maxAge;
  const secureFlags = [cookieIsSecure(options, false), cookieIsSecure(options, true)] as const;
  // Per request security: the attributes of the default lifetime and the second they are for.
  const cachedSecond = [Number.NaN, Number.NaN];
  const cached = ['', ''];
  const defaultLifetime = (requestSecure: boolean, now: number): string => {
    const i = requestSecure ? 1 : 0;
    // Expires has second resolution (a NaN time never equals the cached second: it throws).
    const second = maxAge === null ? 0 : Math.floor((now + maxAge) / 1000);
    if (second !== cachedSecond[i]) {
      cached[i] = lifetime(secureFlags[i], maxAge, now);
      cachedSecond[i] = second;
    }
    return cached[i] as string;
  };
  const clearing = secureFlags.map((secure) =>
    build(secure, { value: '', maxAge: 0, expires: new Date(0) }),
  );

  return {
    session(value, requestSecure, now, own = maxAge) {
      // A session with its own lifetime ("remember me"): rare enough to build in full.
      if (own !== maxAge)
        return head + value + lifetime(secureFlags[requestSecure ? 1 : 0], own, now);
      return head + value + defaultLifetime(requestSecure, now);
    },
    clearing(requestSecure) {
      return clearing[requestSecure ? 1 : 0] as string;
    },
  };
}
