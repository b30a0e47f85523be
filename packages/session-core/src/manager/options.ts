import type { Clock } from '../cache/types.js';
import { SessionError } from '../errors.js';
import type { Store } from '../store/types.js';
import { managerClock } from './clock.js';
import { generateSessionId } from './id.js';
import { assertKnownOptionKeys } from './option-keys.js';
import type { CookieOptions, SessionManagerOptions } from './types.js';

/** The session cookie's name when `name` is not given. */
export const DEFAULT_COOKIE_NAME = 'fmsid';

export const MIN_SECRET_LENGTH = 32;

export interface ResolvedCookieOptions {
  path: string;
  domain: string | undefined;
  secure: boolean | 'auto';
  httpOnly: boolean;
  sameSite: 'lax' | 'strict' | 'none' | boolean;
  partitioned: boolean;
  priority: 'low' | 'medium' | 'high' | undefined;
  maxAge: number | null;
}

export interface ResolvedOptions {
  secrets: readonly string[];
  name: string;
  cookie: ResolvedCookieOptions;
  /** The record's lifetime for a session with a persistent cookie and no maxAge of its own. */
  ttl: number;
  /** ...and for one with a browser-session cookie: `ttl` as given, not cookie.maxAge. */
  browserSessionTtl: number;
  rolling: boolean;
  touchAfter: number;
  saveUninitialized: boolean;
  tombstoneTtl: number;
  absoluteTimeout: number | undefined;
  genid: () => string;
  store: Store | undefined;
  clock: Clock;
}

function fail(message: string): never {
  throw new SessionError('ERR_SESSION_OPTIONS', message);
}

/**
 * Longest duration accepted: 1,000 years. A "never expire" such as Number.MAX_SAFE_INTEGER
 * would put the cookie's Expires past the last date a Date can hold, and every response
 * setting a cookie would then fail, long after start-up.
 */
export const MAX_DURATION_MS = 1000 * 365.25 * 86_400_000;

function positiveMs(value: unknown, name: string, allowZero = false): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    fail(`${name} must be a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'}`);
  }
  if (value > MAX_DURATION_MS)
    fail(`${name} must be at most ${MAX_DURATION_MS} ms (1,000 years), got ${value}`);
  return value;
}

/** Whether `value` is a cookie lifetime cookieMs() accepts (for values read back from a store). */
export function isCookieLifetime(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isFinite(value) && value >= 1000 && value <= MAX_DURATION_MS
  );
}

/** A cookie lifetime: Max-Age counts whole seconds, and Max-Age=0 deletes the cookie. */
function cookieMs(value: unknown, name: string): number {
  const ms = positiveMs(value, name);
  if (ms < 1000) fail(`${name} must be at least 1000 ms (Max-Age counts seconds), got ${ms}`);
  return ms;
}

/** A value for Session.maxAge: ms, null or undefined; anything else is ERR_SESSION_OPTIONS. */
export function sessionMaxAge(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return value;
  if (value === 'session') {
    fail("session.maxAge: use null for a browser-session cookie (koa-session's 'session')");
  }
  return cookieMs(value, 'session.maxAge');
}

function resolveSecrets(secret: unknown): string[] {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (typeof secret === 'function') {
    fail('secret must be a string or an array of strings, not a function (rotate with an array)');
  }
  if (!Array.isArray(secrets) || secrets.length === 0) {
    fail('secret is required: a string or a non-empty array of strings (the first one signs)');
  }
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) {
      fail(`every secret must be a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
  }
  return [...secrets];
}

// RFC 6265 token characters: what a cookie name may contain.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// RFC 6265 path-value and domain-value (a leading dot tolerated), as the cookie package has them.
const PATH_VALUE = /^[\u0020-\u003A\u003D-\u007E]*$/;
const DOMAIN_VALUE =
  /^([.]?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)([.][a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function resolveSameSite(value: unknown): ResolvedCookieOptions['sameSite'] {
  if (typeof value === 'boolean') return value;
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  if (lower === 'lax' || lower === 'strict' || lower === 'none') return lower;
  return fail(`cookie.sameSite must be 'lax', 'strict', 'none' or a boolean, got ${String(value)}`);
}

function resolvePriority(value: unknown): ResolvedCookieOptions['priority'] {
  if (value === undefined) return undefined;
  // Lower-cased as the cookie package does: 'High' is what the attribute reads.
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  if (lower === 'low' || lower === 'medium' || lower === 'high') return lower;
  return fail(`cookie.priority must be 'low', 'medium' or 'high', got ${JSON.stringify(value)}`);
}

/** A boolean option as given, or its default: 'true' from an env var must not count as true. */
function flag(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    fail(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function resolveSecure(value: unknown): boolean | 'auto' {
  if (value === undefined) return 'auto';
  if (typeof value === 'boolean' || value === 'auto') return value;
  // A string 'true' read from an env var would otherwise send the cookie without Secure.
  return fail(`cookie.secure must be true, false or 'auto', got ${JSON.stringify(value)}`);
}

/** A day: the server-side lifetime, and the cookie's, when neither is set. */
const DEFAULT_TTL = 86_400_000;

function resolveCookie(name: string, cookie: CookieOptions, ttl: number): ResolvedCookieOptions {
  const resolved: ResolvedCookieOptions = {
    path: cookie.path ?? '/',
    domain: cookie.domain,
    secure: resolveSecure(cookie.secure),
    httpOnly: flag(cookie.httpOnly, true, 'cookie.httpOnly'),
    sameSite: cookie.sameSite ?? 'lax',
    partitioned: flag(cookie.partitioned, false, 'cookie.partitioned'),
    priority: resolvePriority(cookie.priority),
    maxAge: cookie.maxAge === undefined ? ttl : cookie.maxAge,
  };
  // A lifetime must be whole seconds' worth, one taken from ttl too: under a second it gives
  // Max-Age=0, and the browser drops every session cookie as it arrives.
  if (cookie.maxAge !== undefined && cookie.maxAge !== null) {
    cookieMs(cookie.maxAge, 'cookie.maxAge');
  } else if (resolved.maxAge !== null && resolved.maxAge < 1000) {
    fail(
      `ttl (${resolved.maxAge} ms) is the cookie's lifetime too, and Max-Age counts seconds: give at least 1000 ms, or set cookie.maxAge`,
    );
  }
  if (typeof resolved.path !== 'string' || !resolved.path.startsWith('/')) {
    fail('cookie.path must start with "/"');
  }
  // What the cookie package checks on every serialization, checked once here instead: the
  // Set-Cookie attributes are then built from these strings as they are.
  if (!PATH_VALUE.test(resolved.path)) fail('cookie.path must be printable ASCII without ";"');
  // A number or an array would pass the test as its string and go out as Domain=... (null and
  // '' still mean none, as before).
  const { domain } = resolved;
  if (domain != null && (typeof domain !== 'string' || (domain && !DOMAIN_VALUE.test(domain)))) {
    fail(`cookie.domain is not a valid domain: ${JSON.stringify(domain)}`);
  }
  resolved.sameSite = resolveSameSite(resolved.sameSite);
  // Browsers reject these combinations silently; fail loudly at startup instead.
  if (resolved.sameSite === 'none' && resolved.secure === false) {
    fail('cookie.sameSite "none" requires cookie.secure true or "auto"');
  }
  if (resolved.partitioned && resolved.secure === false) {
    fail(
      'cookie.partitioned requires cookie.secure true or "auto" (browsers drop a Partitioned cookie without Secure)',
    );
  }
  // Browsers match the prefixes in any case (RFC 6265bis): '__host-sid' is held to them too.
  const prefix = name.slice(0, 9).toLowerCase();
  const host = prefix.startsWith('__host-');
  if (host || prefix === '__secure-') {
    if (resolved.secure !== true) fail(`a cookie named ${name} requires cookie.secure: true`);
  }
  if (host && (resolved.domain !== undefined || resolved.path !== '/')) {
    fail(`a cookie named ${name} requires path "/" and no domain`);
  }
  return resolved;
}

export function resolveOptions(options: SessionManagerOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') fail('options must be an object');
  // First: a missing secret is often one given under another library's name (encryptionKey).
  assertKnownOptionKeys(options);
  // A function (express-session style) or a string would otherwise be read as no options.
  if (options.cookie != null && typeof options.cookie !== 'object') {
    fail('cookie must be an object of cookie options');
  }
  const secrets = resolveSecrets(options.secret);
  const name = options.name ?? DEFAULT_COOKIE_NAME;
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    fail(`name must be a valid cookie name, got ${JSON.stringify(name)}`);
  }
  const givenTtl = options.ttl === undefined ? undefined : positiveMs(options.ttl, 'ttl');
  const cookie = resolveCookie(name, options.cookie ?? {}, givenTtl ?? DEFAULT_TTL);
  // Without a ttl of its own the record lives as long as the cookie, as with express-session,
  // koa-session and @fastify/session: `cookie.maxAge` is their idle timeout, and a record
  // outliving its cookie would take a replayed cookie after the browser dropped it. A session
  // with a browser-session cookie (maxAge null, "remember me" off) keeps the day, as theirs do.
  const browserSessionTtl = givenTtl ?? DEFAULT_TTL;
  const ttl = givenTtl ?? (typeof cookie.maxAge === 'number' ? cookie.maxAge : DEFAULT_TTL);
  // A tenth of the shorter of the two lifetimes: with `cookie: { maxAge: 1h }` and the default
  // one-day ttl, a throttle of ttl / 10 would let the browser's cookie of an active session
  // lapse, never re-sent within its hour. One as long as a lifetime is refused for that reason.
  const shortest = Math.min(ttl, cookie.maxAge ?? ttl);
  // The option that set it, for the message: a ttl taken from cookie.maxAge is cookie.maxAge.
  const shortestName =
    options.cookie?.maxAge != null && shortest < (givenTtl ?? Number.POSITIVE_INFINITY)
      ? 'cookie.maxAge'
      : 'ttl';
  const touchAfter = positiveMs(
    options.touchAfter ?? Math.floor(shortest / 10),
    'touchAfter',
    true,
  );
  if (touchAfter >= shortest) {
    fail(
      `touchAfter (${touchAfter} ms) must be shorter than ${shortestName} (${shortest} ms): an active session would run out before its expiry moved`,
    );
  }
  const tombstoneTtl = positiveMs(options.tombstoneTtl ?? 5 * 60_000, 'tombstoneTtl');
  const absoluteTimeout =
    options.absoluteTimeout === undefined
      ? undefined
      : positiveMs(options.absoluteTimeout, 'absoluteTimeout');
  if (options.genid !== undefined && typeof options.genid !== 'function') {
    fail('genid must be a function returning a new id');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    fail('clock must be a function returning ms since the epoch');
  }
  const store = options.store;
  if (store !== undefined && (store === null || typeof store.getAndSet !== 'function')) {
    fail(
      'store must implement the Store contract (get, store, delete, deleteExpired, getAndSet, close)' +
        (looksLikeOtherLibrarysStore(store)
          ? ': this looks like the store of another session library (express-session, koa-session, @fastify/session, hono-sessions). Leave store out for the default shared file, or use new FastMmapStore() or RedisStore from @fastmmap/redis-store; to keep that library, give it our drop-in store instead (ExpressSessionStore, KoaSessionStore or FastifySessionStore)'
          : ''),
    );
  }
  return {
    secrets,
    name,
    cookie,
    ttl,
    browserSessionTtl,
    rolling: flag(options.rolling, false, 'rolling'),
    touchAfter,
    saveUninitialized: flag(options.saveUninitialized, false, 'saveUninitialized'),
    tombstoneTtl,
    absoluteTimeout,
    genid: options.genid ?? generateSessionId,
    // Every store holds plain objects: its type parameter only narrows what its own callers see.
    store: store as Store | undefined,
    // Checked on every reading: NaN or a Date gave an Invalid Date cookie (a TypeError) or,
    // added to a lifetime, a string, a negative reading cookies that expired in 1970, and one
    // in µs or ns an Expires past the last date (a TypeError again).
    clock: options.clock === undefined ? Date.now : managerClock(options.clock, MAX_DURATION_MS),
  };
}

/** connect-redis, express-session's MemoryStore and the like: get/set/destroy, callback style. */
/**
 * get/set/destroy: express-session's, koa-session's and @fastify/session's stores;
 * persistSessionData: hono-sessions' (its MemoryStore and its CookieStore).
 */
function looksLikeOtherLibrarysStore(store: unknown): boolean {
  const s = store as Record<string, unknown> | null;
  return (
    (typeof s?.get === 'function' &&
      typeof s.set === 'function' &&
      typeof s.destroy === 'function') ||
    typeof s?.persistSessionData === 'function'
  );
}

/** How long the store keeps a session whose own maxAge (stored or set) is `own`. */
export function recordTtl(options: ResolvedOptions, own: number | null | undefined): number {
  if (typeof own === 'number') return own;
  return own === null ? options.browserSessionTtl : options.ttl;
}
