import { parseCookie, stringifySetCookie } from 'cookie';
import type { ResolvedCookieOptions } from './options.js';

/** Longer cookie values are hostile or foreign: never parsed further. */
export const MAX_COOKIE_VALUE_LENGTH = 4096;

/** The raw value of the session cookie, or undefined when absent or implausible. */
export function readCookieValue(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string' || header.length === 0) return undefined;
  let value: string | undefined;
  try {
    value = parseCookie(header)[name];
  } catch {
    return undefined;
  }
  if (value === undefined || value.length === 0 || value.length > MAX_COOKIE_VALUE_LENGTH) {
    return undefined;
  }
  return value;
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
