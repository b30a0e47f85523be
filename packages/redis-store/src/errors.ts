import { SessionError, type SessionErrorCode } from '@fastmmap/session-core';

/**
 * What went wrong on the Redis side, finer than the portable `code`:
 * - ERR_REDIS_UNAVAILABLE: no connection (down, refused, reset, offline too long), or a server
 *   not serving yet (LOADING its dataset after a restart, MASTERDOWN, TRYAGAIN), or a getAndSet
 *   that waited `commandTimeout` behind earlier ones of its session. A command that was never
 *   sent wrote nothing; one that was in flight may or may not have applied.
 * - ERR_REDIS_TIMEOUT: sent, but no reply within `commandTimeout`; a write's outcome is unknown.
 * - ERR_REDIS_CONFLICT: getAndSet kept losing the compare-and-set race to concurrent writers of
 *   its session for `commandTimeout` (or more than `maxRetries` times); nothing was written.
 * - ERR_REDIS_TOO_LARGE: the encoded record exceeds `maxBytes`; the old record is kept.
 * - ERR_REDIS_CORRUPT_RECORD: the key holds something that is not a record of this store.
 * - ERR_REDIS_REPLY: Redis answered with an error (WRONGTYPE, OOM, READONLY, NOAUTH, or
 *   MOVED/ASK/CLUSTERDOWN from a Redis Cluster node, which is not supported).
 * - ERR_REDIS_CLOSED: a call after `close()`, or after the owner of a client passed to the store
 *   closed it (the store never reopens it).
 */
export type RedisStoreErrorCode =
  | 'ERR_REDIS_UNAVAILABLE'
  | 'ERR_REDIS_TIMEOUT'
  | 'ERR_REDIS_CONFLICT'
  | 'ERR_REDIS_TOO_LARGE'
  | 'ERR_REDIS_CORRUPT_RECORD'
  | 'ERR_REDIS_REPLY'
  | 'ERR_REDIS_CLOSED';

/** Each Redis reason maps onto the portable SessionError code every store shares. */
const SESSION_CODE: Record<RedisStoreErrorCode, SessionErrorCode> = {
  ERR_REDIS_UNAVAILABLE: 'ERR_SESSION_STORE_UNAVAILABLE',
  ERR_REDIS_TIMEOUT: 'ERR_SESSION_STORE_UNAVAILABLE',
  ERR_REDIS_CONFLICT: 'ERR_SESSION_STORE_UNAVAILABLE',
  ERR_REDIS_TOO_LARGE: 'ERR_SESSION_TOO_LARGE',
  ERR_REDIS_CORRUPT_RECORD: 'ERR_SESSION_STORE_UNAVAILABLE',
  ERR_REDIS_REPLY: 'ERR_SESSION_STORE_UNAVAILABLE',
  ERR_REDIS_CLOSED: 'ERR_SESSION_STORE_UNAVAILABLE',
};

/**
 * A `SessionError` (so code written against any store keeps working: `err.code` is the
 * portable code such as ERR_SESSION_STORE_UNAVAILABLE) that also says the Redis reason in
 * `redisCode`. Bad ids, ttls and data are plain `SessionError`s, exactly as in every store.
 */
export class RedisStoreError extends SessionError {
  readonly redisCode: RedisStoreErrorCode;

  constructor(redisCode: RedisStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(SESSION_CODE[redisCode], message, options);
    // name stays 'SessionError' (set by the parent): it logs and matches like every store's
    // errors; `instanceof RedisStoreError` and `redisCode` tell the Redis side apart.
    this.redisCode = redisCode;
    // A key holding something not ours fails every request of that session alike: no outage
    // a retry would outlast, so a 500 rather than the store-unavailable 503.
    if (holdsForeignValue(redisCode, options?.cause)) {
      this.status = 500;
      this.statusCode = 500;
    }
  }
}

/**
 * A WRONGTYPE reply, plain or from inside a script (touch's GETRANGE): Redis before 7 wraps a
 * script's failed redis.call as `ERR Error running script (call to f_<sha>): @user_script:N:
 * WRONGTYPE ...`; Redis 7 keeps the WRONGTYPE code first.
 */
const WRONGTYPE = /^(?:ERR Error running script \(call to \w+\): @user_script:\d+: )?WRONGTYPE\b/;

function holdsForeignValue(redisCode: RedisStoreErrorCode, cause: unknown): boolean {
  if (redisCode === 'ERR_REDIS_CORRUPT_RECORD') return true;
  return redisCode === 'ERR_REDIS_REPLY' && cause instanceof Error && WRONGTYPE.test(cause.message);
}

export function isRedisStoreError(
  err: unknown,
  redisCode?: RedisStoreErrorCode,
): err is RedisStoreError {
  return err instanceof RedisStoreError && (redisCode === undefined || err.redisCode === redisCode);
}
