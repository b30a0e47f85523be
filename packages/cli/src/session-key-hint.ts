import { safeText } from './format.js';

/** What FastMmapStore puts before a session id to make its cache key. */
const SESSION_PREFIX = 'sess:';

/**
 * For a KEY that is not in the cache: the session key the user probably meant, when the cache
 * has it, as a hint for the error line (else ''). People paste an id without `sess:`, or the
 * whole cookie value (`<id>.<signature>`).
 */
export function sessionKeyHint(key: string, has: (key: string) => boolean): string {
  const id = (key.startsWith(SESSION_PREFIX) ? key.slice(SESSION_PREFIX.length) : key).split(
    '.',
  )[0];
  const meant = `${SESSION_PREFIX}${id}`;
  if (id === undefined || id === '' || meant === key || !has(meant)) return '';
  return ` (did you mean ${safeText(meant)}? a session's key is "sess:" and its id, the cookie value's part before the dot)`;
}
