import { parseCookie, stringifySetCookie } from 'cookie';
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
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    // The cookie package percent-decodes; RFC 6265 also allows a value in double quotes.
    let value = parseCookie(pair)[name];
    if (value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (value === undefined || value.length === 0 || value.length > MAX_COOKIE_VALUE_LENGTH)
      continue;
    values.push(value);
    if (values.length === MAX_CANDIDATES) break;
  }
  return values;
}

function isSecure(options: ResolvedCookieOptions, requestSecure: boolean): boolean {
  return options.secure === 'auto' ? requestSecure : options.secure;
}

/** Set-Cookie for a live session. maxAge (ms) becomes Max-Age (s) plus Expires for old clients. */
export function serializeSessionCookie(
  name: string,
  value: string,
  options: ResolvedCookieOptions,
  requestSecure: boolean,
  now: number,
): string {
  const maxAge = options.maxAge;
  return stringifySetCookie(name, value, {
    path: options.path,
    domain: options.domain,
    secure: isSecure(options, requestSecure),
    httpOnly: options.httpOnly,
    sameSite: options.sameSite,
    partitioned: options.partitioned,
    ...(maxAge === null
      ? {}
      : { maxAge: Math.floor(maxAge / 1000), expires: new Date(now + maxAge) }),
  });
}

/** Set-Cookie that makes the browser drop the session cookie now. */
export function serializeClearingCookie(
  name: string,
  options: ResolvedCookieOptions,
  requestSecure: boolean,
): string {
  return stringifySetCookie(name, '', {
    path: options.path,
    domain: options.domain,
    secure: isSecure(options, requestSecure),
    httpOnly: options.httpOnly,
    sameSite: options.sameSite,
    partitioned: options.partitioned,
    maxAge: 0,
    expires: new Date(0),
  });
}
