import { SessionError } from '../errors.js';

function written(key: string | symbol): SessionError {
  return new SessionError(
    'ERR_SESSION_DESTROYED',
    `session.data.${String(key)} written after destroy(): a destroyed session stores nothing (the next request starts a new one)`,
  );
}

/**
 * `session.data` once the session is destroyed: empty, and a write throws, since it would be
 * dropped without a word (express-session and koa-session make the session null, so such code
 * fails there too). One shared, immutable object: it holds nothing.
 */
export const destroyedData: Record<string, unknown> = new Proxy(Object.freeze({}), {
  set(_target, key) {
    throw written(key);
  },
  defineProperty(_target, key) {
    throw written(key);
  },
  setPrototypeOf() {
    throw written('__proto__');
  },
});
