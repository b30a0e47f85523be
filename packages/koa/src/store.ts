import { SessionError } from '@fastmmap/session-core';
import {
  assertKnownOptions,
  openJsonCache,
  pickOptions,
  sessionStoreError,
} from '@fastmmap/session-core/adapter';
import {
  CACHE_OPTION_KEYS,
  type CacheEntry,
  type CacheOptions,
  type Clock,
  type FastMmapCache,
} from '@fastmmap/session-core/cache';

const ONE_DAY = 86_400_000;

/** The cache options this store passes on (its codec, expiry and mode are its own). */
const CACHE_KEYS = CACHE_OPTION_KEYS.filter(
  (key) => key !== 'codec' && key !== 'expireTime' && key !== 'readOnly',
);
const OPTION_KEYS = [...CACHE_KEYS, 'prefix', 'sessionTtl'];
const LIFETIME =
  "koa-session's maxAge sets each session's lifetime; sessionTtl (ms) is for maxAge: 'session'";
// FastMmapStore's and other stores' names, with what to write here instead.
const OPTION_HINTS = new Map<string, string>([
  ['storage', 'use path (FastMmapStore calls it storage)'],
  ['ttl', LIFETIME],
  ['expires', LIFETIME],
  ['expireTime', LIFETIME],
  ['maxAge', `a koa-session option: ${LIFETIME}`],
]);

/** What koa-session stores: the user's data plus its `_expire`/`_maxAge` (or `_session`). */
export type KoaSessionRecord = Record<string, unknown>;

export interface KoaSessionStoreOptions
  extends Omit<CacheOptions, 'codec' | 'expireTime' | 'readOnly'> {
  /** Cache file name under the private per-user directory when `path` is not given. Default 'koa-session'. */
  appName?: string;
  /** Key prefix inside the file. Default 'sess:'. */
  prefix?: string;
  /**
   * How long in ms a session with `maxAge: 'session'` (a browser-session cookie: koa-session
   * then gives the store no number) lives after its last use: a read moves it, once a tenth
   * of it has passed since it last moved. Default one day.
   */
  sessionTtl?: number;
  // Cache options declared again for their doc comments: the inherited ones give the cache's
  // defaults (89 pages) and error codes, not this store's (openJsonCache's 512 pages).
  /** Bytes per page, a multiple of 4096. Default 65536: also the largest session it can hold. */
  pageSize?: number;
  /** Number of pages. Default 512 (32 MiB with 64 KiB pages). Give this or `cacheSize`, not both. */
  numPages?: number;
  /**
   * Total size of the page area in bytes, instead of `numPages` (numPages = ceil(cacheSize /
   * pageSize)). Default 512 pages (32 MiB with 64 KiB pages).
   */
  cacheSize?: number;
  /** Longest wait for a page lock before ERR_SESSION_STORE_UNAVAILABLE. Default 5000 ms. */
  lockTimeout?: number;
  /** Time source in ms for the entries' expiry. Default `Date.now`. */
  clock?: Clock;
}

/**
 * A koa-session external store on a shared memory-mapped file: every worker process on the
 * machine sees the same sessions.
 *
 *   app.use(koaSession({ store: new KoaSessionStore(), ... }, app))
 *
 * Entries live for the `maxAge` koa-session passes (its maxAge + 10 s); koa-session still
 * checks its own `_expire`. With maxAge 'session', for 0.9 to 1 `sessionTtl` after their last read.
 * Values are kept as JSON, like koa-session's cookie mode.
 */
export class KoaSessionStore {
  readonly cache: FastMmapCache<KoaSessionRecord>;
  private readonly prefix: string;
  private readonly sessionTtl: number;
  /** How long a read leaves a browser-session entry's expiry alone (see #touchDue). */
  private readonly touchAfter: number;
  private readonly clock: Clock;

  constructor(options: KoaSessionStoreOptions = {}) {
    assertKnownOptions(options, OPTION_KEYS, OPTION_HINTS, 'KoaSessionStore');
    const { prefix = 'sess:', sessionTtl = ONE_DAY } = options;
    const cacheOptions = pickOptions(options, CACHE_KEYS);
    if (!(Number.isFinite(sessionTtl) && sessionTtl > 0)) {
      throw new SessionError(
        'ERR_SESSION_OPTIONS',
        `KoaSessionStore: sessionTtl must be a positive number of ms, got ${sessionTtl}`,
      );
    }
    this.cache = openJsonCache('KoaSessionStore', 'koa-session', cacheOptions);
    this.prefix = prefix;
    this.sessionTtl = sessionTtl;
    // As the session manager's default touchAfter: a tenth of the lifetime.
    this.touchAfter = Math.floor(sessionTtl / 10);
    this.clock = options.clock ?? Date.now;
  }

  async get(
    key: string,
    _maxAge?: number | 'session',
    _options?: unknown,
  ): Promise<KoaSessionRecord | undefined> {
    let entry: CacheEntry<KoaSessionRecord> | undefined;
    try {
      entry = this.#call('read a session', key, () => this.cache.getEntry(this.prefix + key));
    } catch (err) {
      // A key no session can have (over-long, malformed): with `signed: false` or an
      // `externalKey` it comes from the client. Not found, as other stores answer: koa-session
      // then starts a new session instead of failing the request.
      if ((err as { code?: unknown }).code === 'ERR_SESSION_INVALID_ID') return undefined;
      throw err;
    }
    // A browser-session cookie's session (maxAge 'session') has no _expire, and koa-session
    // saves it only when it changes: each read moves its entry's expiry, so sessionTtl runs
    // from its last use (as express-session's touch does), not from its last change, which
    // logged out a user in the middle of using the site. Not on every read, though: that was
    // a write to the file per request.
    const record = entry?.value;
    if (record?._session === true && this.#touchDue(entry!.expiresAt)) {
      this.#call('touch a session', key, () =>
        this.cache.touch(this.prefix + key, { ttl: this.sessionTtl }),
      );
    }
    return record;
  }

  /**
   * Whether a tenth of sessionTtl has passed since the entry's expiry last moved, as the
   * session manager throttles its touches: the entry then lives between 0.9 and 1 sessionTtl
   * past its last use.
   */
  #touchDue(expiresAt: number): boolean {
    return expiresAt - this.clock() <= this.sessionTtl - this.touchAfter;
  }

  async set(
    key: string,
    session: KoaSessionRecord,
    maxAge?: number | 'session',
    _options?: { changed?: boolean; rolling?: boolean },
  ): Promise<void> {
    // Always a full write, even when unchanged: the record carries koa-session's own `_expire`.
    const ttl = typeof maxAge === 'number' && maxAge > 0 ? maxAge : this.sessionTtl;
    this.#call('store a session', key, () => this.cache.set(this.prefix + key, session, { ttl }));
  }

  async destroy(key: string, _options?: unknown): Promise<void> {
    this.#call('delete a session', key, () => this.cache.delete(this.prefix + key));
  }

  /**
   * Cache errors as SessionErrors that name the session by a short prefix only (an id is a
   * bearer credential; koa-session's errors reach logs).
   */
  #call<T>(action: string, key: string, run: () => T): T {
    try {
      return run();
    } catch (err) {
      throw sessionStoreError(
        err,
        action,
        this.prefix + key,
        this.prefix.length,
        'KoaSessionStore',
      );
    }
  }

  close(): void {
    this.cache.close();
  }
}
