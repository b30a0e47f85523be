import { type FastMmapErrorCode, isFastMmapError } from '../cache/index.js';
import { SessionError, type SessionErrorCode } from '../errors.js';

const CODES: Partial<Record<FastMmapErrorCode, SessionErrorCode>> = {
  ERR_FASTMMAP_VALUE_TOO_LARGE: 'ERR_SESSION_TOO_LARGE',
  ERR_FASTMMAP_INVALID_KEY: 'ERR_SESSION_INVALID_ID',
  ERR_FASTMMAP_ENCODE: 'ERR_SESSION_UNSUPPORTED_DATA',
  ERR_FASTMMAP_INVALID_OPTION: 'ERR_SESSION_OPTIONS',
  ERR_FASTMMAP_GEOMETRY: 'ERR_SESSION_OPTIONS',
  ERR_FASTMMAP_FILE_TOO_LARGE: 'ERR_SESSION_OPTIONS',
};

/** The SessionError code for a cache error's code. */
export function sessionCodeFor(code: FastMmapErrorCode): SessionErrorCode {
  return CODES[code] ?? 'ERR_SESSION_STORE_UNAVAILABLE';
}

/**
 * The cache's typed error as a SessionError, the original kept as `cause`. Whatever is not a
 * caller's mistake (lock timeout, closed, unsafe or foreign file, full disk) means the store
 * cannot serve: ERR_SESSION_STORE_UNAVAILABLE.
 */
export function mapCacheError(
  err: unknown,
  action: string,
  storeName = 'FastMmapStore',
): SessionError | unknown {
  if (!isFastMmapError(err)) return err;
  return new SessionError(
    sessionCodeFor(err.code),
    `${storeName} could not ${action}: ${err.message}`,
    { cause: err },
  );
}

/**
 * For stores over the cache: a cache error as a SessionError (mapCacheError), anything else
 * (say, what a getAndSet callback threw) untouched. The session id in `key` (after
 * `prefixLength` characters) is cut to its first 6 characters: an id is a bearer credential,
 * and this message may reach a log or a response (Fastify's default error reply).
 */
export function sessionStoreError(
  err: unknown,
  action: string,
  key: string | undefined,
  prefixLength: number,
  storeName = 'FastMmapStore',
): unknown {
  if (!isFastMmapError(err)) return err;
  // The codec's own check failed: its SessionError already says what and where.
  if (err.code === 'ERR_FASTMMAP_ENCODE' && err.cause instanceof SessionError) return err.cause;
  if (key === undefined) return mapCacheError(err, action, storeName);
  // An id of 6 characters or fewer is shown whole: there is nothing to cut.
  if (key.length <= prefixLength + 6) return mapCacheError(err, action, storeName);
  // The cache quotes keys with JSON.stringify, cut to 64 characters. The cause is redacted
  // too: logs print it (util.inspect shows [cause]). Each form once: the short form starts
  // with the key's first characters, so replacing twice would add a second ellipsis.
  const short = `${key.slice(0, prefixLength + 6)}…`;
  const forms = new Set(
    [key, key.slice(0, 64)].flatMap((k) => [k, JSON.stringify(k).slice(1, -1)]),
  );
  const redact = (text: string) => [...forms].reduce((t, form) => t.replaceAll(form, short), text);
  err.message = redact(err.message);
  if (err.stack !== undefined) err.stack = redact(err.stack);
  return mapCacheError(err, action, storeName);
}
