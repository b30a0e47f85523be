import type { Clock } from '../cache/types.js';
import type { SessionData, Store } from '../store/types.js';
import type { SessionCookie } from './session-cookie.js';

export interface CookieOptions {
  /** Default '/'. */
  path?: string | undefined;
  domain?: string | undefined;
  /** true, false, or 'auto' (Secure when the request came over HTTPS). Default 'auto'. */
  secure?: boolean | 'auto' | undefined;
  /** Default true. */
  httpOnly?: boolean | undefined;
  /** Default 'lax'. */
  sameSite?: 'lax' | 'strict' | 'none' | boolean | undefined;
  partitioned?: boolean | undefined;
  /** Chromium's Priority attribute: which cookies go last when a site has too many. Default none. */
  priority?: 'low' | 'medium' | 'high' | undefined;
  /**
   * Persistent cookie lifetime in ms, and the record's too unless `ttl` is set. Default: `ttl`,
   * else one day. null = a browser-session cookie (no Max-Age/Expires); the record then
   * expires after `ttl` (default one day).
   */
  maxAge?: number | null | undefined;
}

export interface SessionManagerOptions {
  /** HMAC-SHA256 key(s): sign with the first, accept all (rotation). At least 32 characters. */
  secret: string | readonly string[];
  /** Cookie name. Default 'fmsid'. */
  name?: string | undefined;
  cookie?: CookieOptions | undefined;
  /**
   * Server-side lifetime in ms from the last save or touch. Default: `cookie.maxAge` when that
   * is a number, else 86_400_000 (one day); a browser-session cookie's record gets one day.
   */
  ttl?: number | undefined;
  /**
   * Absolute lifetime in ms from when the id was issued (at creation or regenerate), however
   * active the session: older sessions load as new ones (OWASP absolute timeout). Default none.
   */
  absoluteTimeout?: number | undefined;
  /** Re-send the cookie on every response and extend the expiry. Default false. */
  rolling?: boolean | undefined;
  /**
   * An unchanged session is touched at most once per this many ms; shorter than ttl and
   * cookie.maxAge. Default: a tenth of the shorter of the two.
   */
  touchAfter?: number | undefined;
  /**
   * How long (ms) the tombstone left by destroy() and regenerate() refuses writes to the dead
   * id, so a request still in flight cannot bring the session back. Default 300_000 (5 min).
   */
  tombstoneTtl?: number | undefined;
  /** Save new sessions that nothing was written to. Default false. */
  saveUninitialized?: boolean | undefined;
  /** Id generator. Default: 32 random bytes (256 bits) from the OS CSPRNG, base64url. */
  genid?: (() => string) | undefined;
  /**
   * Default: a FastMmapStore at the default path (embedded, shared by every local process).
   * A store typed with your `SessionData` (`Store<SessionData>`) is taken as it is.
   */
  store?: Store<object> | undefined;
  clock?: Clock | undefined;
}

/** What the manager needs to know of the request besides its Cookie header. */
export interface RequestInfo {
  /**
   * The request came over HTTPS (decides Secure when cookie.secure is 'auto'). Read when the
   * session first builds a cookie, not at load: it may be a getter (Express's request itself
   * will do), which most requests, sending no cookie, then never run.
   */
  readonly secure?: boolean;
}

export interface Session<D extends object = SessionData> {
  /** The current id (changes on regenerate). */
  readonly id: string;
  /** The user's data. Mutate freely; only changed top-level keys are written at commit. */
  data: D;
  /** True when no valid session cookie came with the request. */
  readonly isNew: boolean;
  readonly destroyed: boolean;
  /**
   * This session's own lifetime in ms, for "remember me": the cookie's Max-Age and how long the
   * store keeps the session after its last save or touch. null: a browser-session cookie (the
   * store keeps it for `ttl` as given, default one day, not cookie.maxAge). undefined: back to
   * the manager's `cookie.maxAge` and `ttl`.
   * Stored with the session, so later requests keep it; setting it sends a new cookie. Reads
   * give the cookie lifetime in effect.
   */
  get maxAge(): number | null;
  set maxAge(value: number | null | undefined);
  /**
   * express-session's and @fastify/session's `session.cookie`, for code written for them:
   * `maxAge`, `originalMaxAge` and `expires` read and set this session's `maxAge` (`expires =
   * false` or `null`: a browser-session cookie); the other attributes read the cookie options.
   */
  readonly cookie: SessionCookie;
  /** New id, same data; the old id stops working (session fixation defence). */
  regenerate(): Promise<void>;
  /** Deletes it, leaves a tombstone so in-flight requests cannot resurrect it, clears the cookie. */
  destroy(): Promise<void>;
  /** Extend the expiry at commit even when nothing changed. */
  touch(): void;
  /** Queue a one-shot message under key; returns how many now wait there (as connect-flash). */
  flash(key: string, value: unknown): number;
  /**
   * Read and remove the flash messages under key. `T` is what the app queued there: stated,
   * not checked (`flashes<string>('info')`).
   */
  flashes<T = unknown>(key: string): T[];
  /** Read and remove every flash message, by key (connect-flash's `req.flash()`). */
  flashes<T = unknown>(): Record<string, T[]>;
  /**
   * The Set-Cookie values the response should carry for the current state (what commit()
   * will return), computed synchronously without I/O: for adapters that must set headers
   * before a streamed body goes out, and then await commit() before ending the response.
   * The clearing cookie once destroy() has finished (not while it is under way: it may fail).
   */
  cookieHeaders(): string[];
  /**
   * Writes what changed (through store.getAndSet) and returns the Set-Cookie header values
   * to send (maybe none). Idempotent: a second call writes nothing new.
   */
  commit(): Promise<string[]>;
}

export interface SessionManager {
  readonly store: Store;
  readonly options: Readonly<SessionManagerOptions>;
  /** Reads the session cookie from the Cookie header; never throws on a bad or unknown cookie. */
  load<D extends object = SessionData>(
    cookieHeader: string | undefined,
    request?: RequestInfo,
  ): Promise<Session<D>>;
  /**
   * load() for adapters: the session itself when the store answered synchronously (see
   * Store.sync), else the same promise load() returns. Never throws: failures reject.
   */
  loadNow<D extends object = SessionData>(
    cookieHeader: string | undefined,
    request?: RequestInfo,
  ): Session<D> | Promise<Session<D>>;
  /** Closes the store if the manager created it. */
  close(): Promise<void>;
}
