import {
  type Clock,
  FastMmapStore,
  isSessionError,
  SessionError,
  type Store,
  type StoredData,
} from '@fastmmap/session-core';
import { assertKnownOptions } from '@fastmmap/session-core/adapter';
import { clientSafe } from './client-safe-error.js';
import { sessionJson } from './session-json.js';

type Callback = (err?: Error | null) => void;
// biome-ignore lint/suspicious/noExplicitAny: @fastify/session types the result as its own Session
type GetCallback = (err: Error | null, session?: any) => void;

export interface FastifySessionStoreOptions {
  /**
   * Where the sessions live. Default: a FastMmapStore in its own file (see appName). Any
   * store's data type will do: @fastify/session records are plain objects.
   */
  store?: Store<object>;
  /**
   * The default store's file name under the private per-user directory. Default
   * 'fastify-session': @fastify/session records are not session()'s, so they get a file of
   * their own (as the Express and Koa drop-in stores do). Only without `store`.
   */
  appName?: string;
  /** Lifetime in ms of sessions whose cookie has no expiry (browser-session cookies). Default one day. */
  ttl?: number;
  /** Time source in ms, for the time left until a cookie's `expires`. Default `Date.now`. */
  clock?: Clock;
}

const ONE_DAY = 86_400_000;

/** The key of a session kept as JSON text (a record with any other key is the session). */
const JSON_TEXT = 'fastmmap:json';

function isWrapped(record: StoredData): boolean {
  return typeof record[JSON_TEXT] === 'string' && Object.keys(record).length === 1;
}

function fromStored(record: StoredData | undefined): unknown {
  if (record === undefined) return null;
  return isWrapped(record) ? JSON.parse(record[JSON_TEXT] as string) : record;
}

const OPTION_KEYS = Object.keys({
  store: 0,
  appName: 0,
  ttl: 0,
  clock: 0,
} satisfies Record<keyof FastifySessionStoreOptions, 0>);

const OPTION_HINTS = new Map<string, string>([
  ['path', 'use store: new FastMmapStore({ storage }) for a file of your choice'],
  ['storage', 'use store: new FastMmapStore({ storage }) for a file of your choice'],
  ['expires', 'use ttl (ms)'],
]);

/**
 * A store for @fastify/session (with @fastify/cookie) over any `Store`, by default the shared
 * memory-mapped file, so every worker on the machine sees the same sessions:
 *
 *   app.register(fastifySession, { secret, store: new FastifySessionStore() })
 *
 * A session expires with its cookie (`cookie.expires`, or `originalMaxAge` from now).
 */
export class FastifySessionStore {
  readonly store: Store;
  readonly #owned: boolean;
  readonly #ttl: number;
  readonly #clock: Clock;

  constructor(options: FastifySessionStoreOptions = {}) {
    assertKnownOptions(options, OPTION_KEYS, OPTION_HINTS, 'FastifySessionStore');
    if (options.store !== undefined && options.appName !== undefined) {
      throw new SessionError(
        'ERR_SESSION_OPTIONS',
        'FastifySessionStore: appName names the default store; give either store or appName',
      );
    }
    const ttl: unknown = options.ttl ?? ONE_DAY;
    // Checked before the default store opens its file. 0 or less would make set() delete
    // every browser-session cookie's session (@fastify/session's default cookie) instead.
    if (typeof ttl !== 'number' || !(Number.isFinite(ttl) && ttl > 0)) {
      throw new SessionError(
        'ERR_SESSION_OPTIONS',
        `FastifySessionStore: ttl must be a positive number of ms, got ${String(ttl)}`,
      );
    }
    this.#owned = options.store === undefined;
    this.store =
      (options.store as Store | undefined) ??
      new FastMmapStore({ appName: options.appName ?? 'fastify-session' });
    this.#ttl = ttl;
    this.#clock = options.clock ?? Date.now;
  }

  set(sessionId: string, session: object, callback: Callback): void {
    let record: StoredData;
    let json: string;
    let ttl: number;
    try {
      // The Session instance becomes plain JSON, as every @fastify/session store keeps it;
      // the plugin rebuilds the Session (and its cookie dates) from that on get.
      json = sessionJson(session);
      record = JSON.parse(json) as StoredData;
      ttl = this.#ttlOf(record);
    } catch (err) {
      defer(callback, toError(err));
      return;
    }
    // An already expired cookie: nothing worth keeping.
    const write =
      ttl > 0 ? this.#write(sessionId, record, json, ttl) : this.store.delete(sessionId);
    settle(write, callback);
  }

  /**
   * Stores the session as a record; one that JSON keeps but the store refuses (a lone
   * surrogate, a nested own "__proto__" key, deep nesting) as its JSON text, as other
   * @fastify/session stores keep every session. So is a session of that one key, or get()
   * would take it for such a text. A refused write changes nothing stored.
   */
  #write(id: string, record: StoredData, json: string, ttl: number): Promise<void> {
    // In steps of a promise: a store that throws instead of rejecting still reaches set()'s
    // callback.
    const asText = () => this.store.store(id, { [JSON_TEXT]: json }, ttl);
    if (isWrapped(record)) return Promise.resolve().then(asText);
    return Promise.resolve()
      .then(() => this.store.store(id, record, ttl))
      .catch((err: unknown) => {
        // A top-level "__proto__" stays refused: @fastify/session's Session copies keys back
        // by assignment, which would make it the session's prototype.
        if (
          !isSessionError(err, 'ERR_SESSION_UNSUPPORTED_DATA') ||
          Object.hasOwn(record, '__proto__')
        )
          throw err;
        return asText();
      });
  }

  get(sessionId: string, callback: GetCallback): void {
    // Unwrapped in a step of its own: a throw there reaches the callback as an error.
    this.store
      .get(sessionId)
      .then(fromStored)
      .then(
        (session) => defer(callback, null, session),
        (err: unknown) => defer(callback, toError(err)),
      );
  }

  destroy(sessionId: string, callback: Callback): void {
    settle(this.store.delete(sessionId), callback);
  }

  /** Closes the store if this instance created it. */
  async close(): Promise<void> {
    if (this.#owned) await this.store.close();
  }

  #ttlOf(record: StoredData): number {
    const cookie = record.cookie as { expires?: unknown; originalMaxAge?: unknown } | undefined;
    if (typeof cookie?.expires === 'string') {
      const expires = Date.parse(cookie.expires);
      if (!Number.isNaN(expires)) return expires - this.#clock();
    }
    if (typeof cookie?.originalMaxAge === 'number') return cookie.originalMaxAge;
    return this.#ttl;
  }
}

function settle(promise: Promise<unknown>, callback: Callback): void {
  promise.then(
    () => defer(callback, null),
    (err: unknown) => defer(callback, toError(err)),
  );
}

/**
 * Calls back outside the promise chain, so an exception in the callback is not swallowed, on
 * setImmediate, as ExpressSessionStore does: on process.nextTick each request ran to its end
 * in one turn, which cost bench:http --framework fastify ~40-120 µs more server CPU per request
 * (dearer than connect-redis with its redis-server; 2026-11-29).
 */
function defer<A extends unknown[]>(callback: (...args: A) => void, ...args: A): void {
  setImmediate(callback, ...args);
}

/** @fastify/session hands store errors to Fastify, whose default handler sends the message. */
function toError(err: unknown): Error {
  return clientSafe(err instanceof Error ? err : new Error(String(err))) as Error;
}
