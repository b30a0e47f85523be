import type { Clock } from '@fastmmap/session-core';
import type { RedisClientLike } from './client.js';
import type { CodecName } from './record.js';

export interface RedisStoreOptions {
  /**
   * An existing node-redis 5 or 6 client (`createClient()`, not `createCluster()`), connected or
   * not; the store connects it once if it was not. It is yours: `close()` leaves it open unless
   * `closeClient: true`, and once you close it the store never reopens it (calls then fail
   * with ERR_REDIS_CLOSED).
   */
  client?: RedisClientLike | undefined;
  /**
   * Or a URL (`redis://user:pass@host:6379/0`, `rediss://` for TLS): the store creates, owns
   * and closes the client. A malformed url is ERR_SESSION_OPTIONS, the password masked.
   */
  url?: string | undefined;
  /**
   * Close the `client` you passed on `close()` too. Default false. The client the store creates
   * from `url` is always closed.
   */
  closeClient?: boolean | undefined;
  /** Prepended to every session id to form the Redis key. Default 'fmsess:'. */
  prefix?: string | undefined;
  /**
   * 'cbor' (default, as FastMmapStore: Date, Map, Set, bigint, typed arrays survive) or 'json'
   * (readable with redis-cli; Dates come back as strings; bigint, Map, Set, typed arrays, NaN
   * and Infinity are refused). Records carry their codec, so
   * changing this option later still reads the sessions written before.
   */
  codec?: CodecName | undefined;
  /**
   * Time source for every expiry decision (ms since the epoch). Default `Date.now`. A reading
   * that is not a finite number >= 0, or is past the latest expiry a record holds (the year
   * 33658), fails the call with ERR_SESSION_OPTIONS and writes nothing.
   */
  clock?: Clock | undefined;
  /**
   * At most this many re-runs of a getAndSet's fn after lost compare-and-set races, then
   * ERR_REDIS_CONFLICT. Default: no limit by count; getAndSet gives up by time instead
   * (`commandTimeout`).
   */
  maxRetries?: number | undefined;
  /**
   * Longest wait for any one Redis command, queued or in flight; for a getAndSet that keeps
   * losing races to concurrent writers of its session, to write before it gives up; and for
   * pending replies in `close()` before it cuts the connection. Default 2000 ms.
   */
  commandTimeout?: number | undefined;
  /** Longest wait for a connection in `ready()` and per TCP connect attempt. Default 5000 ms. */
  connectTimeout?: number | undefined;
  /** Largest record (header + encoded data) accepted, in bytes. Default 1 MiB. */
  maxBytes?: number | undefined;
}

export const DEFAULTS = {
  prefix: 'fmsess:',
  codec: 'cbor',
  commandTimeout: 2000,
  connectTimeout: 5000,
  maxBytes: 1024 * 1024,
  url: 'redis://127.0.0.1:6379',
} as const;

export const OPTION_KEYS = Object.keys({
  client: 0,
  url: 0,
  closeClient: 0,
  prefix: 0,
  codec: 0,
  clock: 0,
  maxRetries: 0,
  commandTimeout: 0,
  connectTimeout: 0,
  maxBytes: 0,
} satisfies Record<keyof RedisStoreOptions, 0>);

const URL_PARTS = 'use url: redis://user:password@host:6379/db (or pass a client)';
// What connect-redis, ioredis and node-redis users write, with what to write here instead.
export const OPTION_HINTS = new Map<string, string>([
  ...['host', 'port', 'password', 'username', 'db', 'database', 'socket'].map(
    (key) => [key, URL_PARTS] as const,
  ),
  ['ttl', "not a store option: the session manager's ttl sets each session's lifetime"],
  ['disableTouch', 'not needed: the session manager touches at most once per touchAfter'],
  ['disableTTL', 'not supported: every session expires in Redis'],
  ['serializer', "use codec ('cbor' or 'json')"],
  ['scanCount', 'not needed'],
]);
