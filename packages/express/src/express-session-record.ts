/** The cookie part of an express-session session, as `Cookie#toJSON()` gives it. */
export interface ExpressSessionCookie {
  originalMaxAge?: number | null | undefined;
  /**
   * A Date on the live session and after `get`; an ISO string inside the file. false or null:
   * a browser-session cookie (`req.session.cookie.expires = false`, the remember-me idiom).
   */
  expires?: Date | string | false | null | undefined;
  /** The live `Cookie` has this getter (remaining ms); it is not stored. */
  maxAge?: number | null | undefined;
  secure?: boolean | 'auto' | undefined;
  httpOnly?: boolean | undefined;
  domain?: string | undefined;
  path?: string | undefined;
  sameSite?: boolean | 'lax' | 'strict' | 'none' | 'auto' | undefined;
  partitioned?: boolean | undefined;
  priority?: 'low' | 'medium' | 'high' | undefined;
}

/** What express-session hands a store: its live Session (user data plus `cookie`). */
export interface ExpressSessionInput {
  cookie: ExpressSessionCookie;
}

/** A session as stored and read back: the user's data plus `cookie`. */
export interface ExpressSessionRecord extends ExpressSessionInput {
  [key: string]: unknown;
}

/** express-session's `Cookie#expires` comes back as a Date, as the live session had it. */
export function reviveRecord(value: unknown): ExpressSessionRecord | null {
  if (value === null || typeof value !== 'object') return null;
  const record = value as ExpressSessionRecord;
  const expires = record.cookie?.expires;
  if (typeof expires === 'string') record.cookie.expires = new Date(expires);
  return record;
}

/**
 * How long a session lives in the store, in ms: until its cookie expires, or `fallbackMs`
 * for a browser-session cookie (no expiry: `expires` null or false, as connect-redis reads
 * it). 0 or less means "already expired".
 */
export function ttlOf(record: ExpressSessionInput, now: number, fallbackMs: number): number {
  const cookie = record.cookie;
  const expires = cookie?.expires;
  if (expires instanceof Date || typeof expires === 'string') {
    const at = new Date(expires).getTime();
    if (Number.isFinite(at)) return at - now;
  }
  if (typeof cookie?.maxAge === 'number') return cookie.maxAge;
  return fallbackMs;
}
