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

/**
 * The cache's typed error as a SessionError, the original kept as `cause`. Whatever is not a
 * caller's mistake (lock timeout, closed, unsafe or foreign file, full disk) means the store
 * cannot serve: ERR_SESSION_STORE_UNAVAILABLE.
 */
export function mapCacheError(err: unknown, action: string): SessionError | unknown {
  if (!isFastMmapError(err)) return err;
  const code = CODES[err.code] ?? 'ERR_SESSION_STORE_UNAVAILABLE';
  return new SessionError(code, `FastMmapStore could not ${action}: ${err.message}`, {
    cause: err,
  });
}
