import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { SessionError } from '@fastmmap/session-core';
import {
  assertKnownOptions,
  openJsonCache,
  pickOptions,
  sessionStoreError,
} from '@fastmmap/session-core/adapter';
import {
  CACHE_OPTION_KEYS,
  type CacheOptions,
  type Clock,
  type FastMmapCache,
} from '@fastmmap/session-core/cache';
import { bundleRequire } from './bundle-require.js';
import {
  type ExpressSessionInput,
  type ExpressSessionRecord,
  reviveRecord,
  ttlOf,
} from './express-session-record.js';

export type {
  ExpressSessionCookie,
  ExpressSessionInput,
  ExpressSessionRecord,
} from './express-session-record.js';

const ONE_DAY = 86_400_000;

/** The cache options this store passes on (its codec, expiry and mode are its own). */
const CACHE_KEYS = CACHE_OPTION_KEYS.filter(
  (key) => key !== 'codec' && key !== 'expireTime' && key !== 'readOnly',
);
const OPTION_KEYS = [...CACHE_KEYS, 'prefix', 'ttl', 'disableTouch'];
// FastMmapStore's and connect-redis's names, with what to write here instead.
const OPTION_HINTS = new Map<string, string>([
  ['storage', 'use path (FastMmapStore calls it storage)'],
  ['expires', 'use ttl (ms)'],
  ['expireTime', 'use ttl (ms)'],
  ['client', 'not needed: sessions live in the shared file (see path)'],
  ['serializer', 'not supported: records are JSON, as express-session expects'],
]);

export interface ExpressSessionStoreOptions
  extends Omit<CacheOptions, 'codec' | 'expireTime' | 'readOnly'> {
  /**
   * Cache file name under the private per-user directory when `path` is not given.
   * Default 'express-session'.
   */
  appName?: string;
  /** Key prefix inside the file. Default 'sess:'. */
  prefix?: string;
  /**
   * Lifetime in ms of a session whose cookie has no expiry (a browser-session cookie), or a
   * function of the session that decides every lifetime. Default one day; otherwise the
   * lifetime runs to `cookie.expires`, like connect-redis.
   */
  ttl?: number | ((session: ExpressSessionInput) => number);
  /** Make `touch` a no-op (the expiry then moves only when the session is saved). */
  disableTouch?: boolean;
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
  /** Time source in ms for expiry (the entries' and, for `ttl`, `cookie.expires`). Default `Date.now`. */
  clock?: Clock;
}

type Callback<T = void> = (err?: unknown, value?: T) => void;
// What get/all hand back is plain JSON (cookie included), while @types/express-session types
// it as its live Session/Cookie classes: `any` keeps the store assignable to theirs.
// biome-ignore lint/suspicious/noExplicitAny: see above
type LooseCallback = (err?: unknown, value?: any) => void;

/** The part of express-session's `Store` base class this subclass relies on. */
interface ExpressSessionStoreBase extends EventEmitter {
  regenerate(req: unknown, callback: (err?: unknown) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: typed as express-session's own Session in its typings
  load(sid: string, callback: (err: unknown, session?: any) => void): void;
  // biome-ignore lint/suspicious/noExplicitAny: typed as express-session's own Session in its typings
  createSession(req: unknown, session: unknown): any;
}

type Peer = { Store: new () => ExpressSessionStoreBase };

function loadExpressSessionStore(): new () => ExpressSessionStoreBase {
  try {
    // CommonJS and an optional peer: resolved only when this entry point is imported. A
    // CommonJS bundle (esbuild's) empties import.meta.url; webpack bundles the peer through
    // the form below, kept as it is.
    if (typeof import.meta.url !== 'string')
      return (bundleRequire()('express-session') as Peer).Store;
    const require = createRequire(import.meta.url);
    return (require('express-session') as Peer).Store;
  } catch (cause) {
    throw Object.assign(
      new Error(
        '@fastmmap/express/store needs express-session: install it (npm i express-session)',
        { cause },
      ),
      { code: 'MODULE_NOT_FOUND' },
    );
  }
}

/**
 * An express-session store on a shared memory-mapped file: every worker process on the
 * machine sees the same sessions. Drop-in:
 *
 *   app.use(expressSession({ store: new ExpressSessionStore(), secret, resave: false, ... }))
 *
 * Sessions are kept as express-session's JSON (like its MemoryStore and connect-redis), so
 * `cookie.expires` comes back as a Date and other values as JSON gives them.
 * Calls without a callback run synchronously and throw.
 */
export class ExpressSessionStore extends loadExpressSessionStore() {
  /** Patched onto the instance by express-session's middleware. */
  declare generate: (req: unknown) => void;
  readonly cache: FastMmapCache<ExpressSessionRecord>;
  private readonly prefix: string;
  private readonly ttl: number | ((session: ExpressSessionInput) => number);
  private readonly disableTouch: boolean;
  private readonly now: () => number;
  #closed = false;

  constructor(options: ExpressSessionStoreOptions = {}) {
    super();
    assertKnownOptions(options, OPTION_KEYS, OPTION_HINTS, 'ExpressSessionStore');
    const { prefix = 'sess:', ttl = ONE_DAY, disableTouch = false } = options;
    const cacheOptions = pickOptions(options, CACHE_KEYS);
    // A string (say from process.env) would pass here and fail every save of a
    // browser-session cookie's session later, after the response went out.
    if (
      typeof ttl !== 'function' &&
      !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)
    ) {
      throw new SessionError(
        'ERR_SESSION_OPTIONS',
        `ExpressSessionStore: ttl must be a positive number of ms or a function, got ${typeof ttl === 'string' ? JSON.stringify(ttl) : String(ttl)}`,
      );
    }
    // JSON is what express-session stores expect: Cookie#toJSON and user toJSON() apply.
    this.cache = openJsonCache('ExpressSessionStore', 'express-session', cacheOptions);
    this.prefix = prefix;
    this.ttl = ttl;
    this.disableTouch = disableTouch;
    this.now = options.clock ?? Date.now;
    // express-session listens for readiness; the file is mapped already, so say so (unless
    // closed meanwhile: 'connect' after 'disconnect' would send it to the closed store).
    process.nextTick(() => {
      if (!this.#closed) this.emit('connect');
    });
  }

  get(sid: string, callback?: LooseCallback): void {
    this.run(callback, 'read a session', sid, () =>
      reviveRecord(this.cache.get(this.prefix + sid)),
    );
  }

  set(sid: string, session: ExpressSessionInput, callback?: Callback): void {
    this.run(callback, 'store a session', sid, () => {
      const ttl = this.lifetime(session);
      // A cookie that already expired: store nothing (what connect-redis does).
      if (ttl <= 0) this.cache.delete(this.prefix + sid);
      else this.cache.set(this.prefix + sid, session as ExpressSessionRecord, { ttl });
    });
  }

  /**
   * Moves the expiry and refreshes the stored cookie, keeping the stored data, as
   * express-session's MemoryStore does. Left as it was, the cookie would come back with a past
   * `expires`, and an explicit save() of that session would then be taken for an expired one
   * and dropped.
   */
  touch(sid: string, session: ExpressSessionInput, callback?: Callback): void {
    this.run(callback, 'touch a session', sid, () => {
      if (this.disableTouch) return;
      const ttl = this.lifetime(session);
      const key = this.prefix + sid;
      if (ttl <= 0) this.cache.delete(key);
      // Data another worker saved meanwhile stays: only the cookie is this request's.
      else
        this.cache.getAndSet(
          key,
          (stored) => (stored === undefined ? undefined : { ...stored, cookie: session.cookie }),
          { ttl },
        );
    });
  }

  destroy(sid: string, callback?: Callback): void {
    this.run(callback, 'delete a session', sid, () => {
      this.cache.delete(this.prefix + sid);
    });
  }

  /** Every live session keyed by id, as express-session's MemoryStore returns them. */
  all(callback?: LooseCallback): void {
    this.run(callback, 'list the sessions', undefined, () => {
      const sessions: Record<string, ExpressSessionRecord> = {};
      for (const [key, value] of this.cache.entries()) {
        const record = key.startsWith(this.prefix) ? reviveRecord(value) : null;
        if (record) sessions[key.slice(this.prefix.length)] = record;
      }
      return sessions;
    });
  }

  length(callback?: Callback<number>): void {
    this.run(callback, 'list the sessions', undefined, () => this.ownKeys().length);
  }

  /** Removes every session under this store's prefix (other keys in the file stay). */
  clear(callback?: Callback): void {
    this.run(callback, 'list the sessions', undefined, () => {
      for (const key of this.ownKeys()) this.cache.delete(key);
    });
  }

  /**
   * Releases the file's locks and descriptors (the mapping goes with the garbage collector)
   * and emits 'disconnect', once: a second call does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.cache.close();
    this.emit('disconnect');
  }

  private ownKeys(): string[] {
    return [...this.cache.keys()].filter((key) => key.startsWith(this.prefix));
  }

  private lifetime(session: ExpressSessionInput): number {
    return typeof this.ttl === 'function'
      ? this.ttl(session)
      : ttlOf(session, this.now(), this.ttl);
  }

  /**
   * Runs `op` and answers `callback` on `setImmediate`, as express-session's own MemoryStore
   * does (or throws without one). Answered on `process.nextTick` instead, each request ran to
   * its end in one turn, which cost bench:http ~20-30 µs more server CPU per request in the
   * closed loop and at 5,000 req/s in the open one (2026-11-28). Cache errors
   * become SessionErrors naming the session `sid` by a short prefix only (an id is a bearer
   * credential, and express-session hands the error to next(err), logs and error pages).
   */
  private run<T>(
    callback: Callback<T> | undefined,
    action: string,
    sid: string | undefined,
    op: () => T,
  ): void {
    let value: T;
    try {
      value = op();
    } catch (err) {
      const key = sid === undefined ? undefined : this.prefix + sid;
      const mapped = sessionStoreError(err, action, key, this.prefix.length, 'ExpressSessionStore');
      if (!callback) throw mapped;
      setImmediate(callback, mapped);
      return;
    }
    if (callback) setImmediate(callback, null, value);
  }
}
