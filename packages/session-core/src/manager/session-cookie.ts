import { type InspectOptions, inspect } from 'node:util';
import type { Clock } from '../cache/types.js';
import { SessionError } from '../errors.js';
import { cookieIsSecure } from './cookies.js';
import type { ResolvedCookieOptions } from './options.js';

/** The one per-session setting a SessionCookie reads and writes. */
export interface SessionLifetime {
  get maxAge(): number | null;
  set maxAge(value: number | null | undefined);
}

type Attribute =
  | 'path'
  | 'domain'
  | 'secure'
  | 'httpOnly'
  | 'sameSite'
  | 'partitioned'
  | 'priority';

function notPerSession(name: Attribute): SessionError {
  return new SessionError(
    'ERR_SESSION_OPTIONS',
    `session.cookie.${name} is the same for every session: set it in the cookie option`,
  );
}

/**
 * express-session's and @fastify/session's `session.cookie`, so code written for them keeps
 * working: its lifetime (`maxAge`, `originalMaxAge`, `expires`) is `session.maxAge`, and the
 * other attributes read the manager's cookie options for this request. Setting those throws,
 * since the cookie serializer applies one set of them to every session.
 */
export class SessionCookie {
  readonly #session: SessionLifetime;
  readonly #options: ResolvedCookieOptions;
  readonly #requestSecure: boolean;
  readonly #clock: Clock;

  constructor(
    session: SessionLifetime,
    options: ResolvedCookieOptions,
    requestSecure: boolean,
    clock: Clock,
  ) {
    this.#session = session;
    this.#options = options;
    this.#requestSecure = requestSecure;
    this.#clock = clock;
    Object.preventExtensions(this);
  }

  /** The cookie's lifetime in ms (null: a browser-session cookie): `session.maxAge`. */
  get maxAge(): number | null {
    return this.#session.maxAge;
  }

  set maxAge(value: number | null) {
    this.#session.maxAge = value;
  }

  /** The same as `maxAge` (express-session keeps both; here nothing counts down). */
  get originalMaxAge(): number | null {
    return this.#session.maxAge;
  }

  set originalMaxAge(value: number | null) {
    this.#session.maxAge = value;
  }

  /** When a cookie sent now would expire; null for a browser-session cookie. */
  get expires(): Date | null {
    const ms = this.#session.maxAge;
    return ms === null ? null : new Date(this.#clock() + ms);
  }

  /** A Date sets the lifetime to the time until then; null or false: a browser-session cookie. */
  set expires(value: Date | null | false) {
    if (value === null || value === false) {
      this.#session.maxAge = null;
      return;
    }
    const at = value instanceof Date ? value.getTime() : Number.NaN;
    const ms = at - this.#clock();
    if (!(ms >= 1000)) {
      throw new SessionError(
        'ERR_SESSION_OPTIONS',
        `session.cookie.expires must be a Date at least a second ahead, null or false, got ${String(value)}`,
      );
    }
    this.#session.maxAge = ms;
  }

  get path(): string {
    return this.#options.path;
  }

  set path(_value: string) {
    throw notPerSession('path');
  }

  get domain(): string | undefined {
    return this.#options.domain;
  }

  set domain(_value: string | undefined) {
    throw notPerSession('domain');
  }

  /** Whether this request's cookie carries Secure (`'auto'` resolved). */
  get secure(): boolean {
    return cookieIsSecure(this.#options, this.#requestSecure);
  }

  set secure(_value: boolean) {
    throw notPerSession('secure');
  }

  get httpOnly(): boolean {
    return this.#options.httpOnly;
  }

  set httpOnly(_value: boolean) {
    throw notPerSession('httpOnly');
  }

  get sameSite(): 'lax' | 'strict' | 'none' | boolean {
    return this.#options.sameSite;
  }

  set sameSite(_value: 'lax' | 'strict' | 'none' | boolean) {
    throw notPerSession('sameSite');
  }

  get partitioned(): boolean {
    return this.#options.partitioned;
  }

  set partitioned(_value: boolean) {
    throw notPerSession('partitioned');
  }

  get priority(): 'low' | 'medium' | 'high' | undefined {
    return this.#options.priority;
  }

  set priority(_value: 'low' | 'medium' | 'high' | undefined) {
    throw notPerSession('priority');
  }

  /** The attributes as data, in express-session's shape (JSON.stringify, logs). */
  toJSON(): Record<string, unknown> {
    return {
      originalMaxAge: this.originalMaxAge,
      expires: this.expires,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
      partitioned: this.partitioned,
      priority: this.priority,
    };
  }

  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `SessionCookie ${inspect(this.toJSON(), options)}`;
  }
}
