import { SessionError } from '../errors.js';
import type { Session } from './types.js';

type Data = Record<string, unknown>;

/**
 * `get(key)` and `set(key, value)` over `session.data`, for adapters whose framework's
 * sessions have them (@fastify/session, hono-sessions): pass them in sessionGuard's `members`.
 */
export const getSetMembers = {
  get(this: Session, key: string): unknown {
    const data = this.data as Data;
    return Object.hasOwn(data, key) ? data[key] : undefined;
  },
  set(this: Session, key: string, value: unknown): void {
    // `data.__proto__ = v` would replace the data's prototype, not store a key.
    if (key === '__proto__') {
      throw new SessionError('ERR_SESSION_UNSUPPORTED_DATA', 'a session key named __proto__');
    }
    (this.data as Data)[key] = value;
  },
};
