import { SessionError } from '../errors.js';
import { createSessionManager } from './manager.js';
import { assertKnownOptionKeys, OPTION_KEYS } from './option-keys.js';
import { DEFAULT_COOKIE_NAME } from './options.js';
import type { SessionManager, SessionManagerOptions } from './types.js';

export interface AdapterManager {
  readonly manager: SessionManager;
  /** The adapter created it, so its close() closes it; a manager passed in is left open. */
  readonly owned: boolean;
}

/**
 * For adapters: the `manager` passed in options, or a new one made from the other options
 * once the adapter's own keys (`adapterKeys`: Hono's trustProxy, Fastify's register options)
 * are taken out. Next to a manager, manager options would be ignored, so they are refused.
 */
export function adapterManager(
  options: object,
  adapterKeys: readonly string[] = [],
): AdapterManager {
  if (options === null || typeof options !== 'object') {
    throw new SessionError('ERR_SESSION_OPTIONS', 'options must be an object');
  }
  const source = options as { manager?: unknown } & Record<string, unknown>;
  const manager = source.manager;
  // Own keys, unknown ones included (so the manager refuses them)...
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key !== 'manager' && !adapterKeys.includes(key)) rest[key] = source[key];
  }
  if (manager === undefined) {
    // ...and the options read as createSessionManager(options) would: through a prototype or
    // a getter too, so options built that way do not lose (say) cookie.secure on the way.
    for (const key of OPTION_KEYS) if (!(key in rest) && key in source) rest[key] = source[key];
    // Here, so that a typo's message lists the adapter's options too (Hono's trustProxy).
    assertKnownOptionKeys(rest, ['manager', ...adapterKeys]);
    return { manager: createSessionManager(rest as unknown as SessionManagerOptions), owned: true };
  }
  if (typeof (manager as Partial<SessionManager> | null)?.loadNow !== 'function') {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'manager must be a session manager from createSessionManager()',
    );
  }
  const ignored = Object.keys(rest);
  if (ignored.length > 0) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      `with manager, the manager's own options apply: ${ignored.join(', ')} would be ignored ` +
        '(give them to createSessionManager(), or drop manager)',
    );
  }
  return { manager: manager as SessionManager, owned: false };
}

/**
 * The cookie a manager's sessions use: createSessionManager() fills in the default, a
 * hand-made manager may leave it out. Adapters compare it to tell two session()s apart.
 */
export function cookieNameOf(manager: SessionManager): string {
  return manager.options.name ?? DEFAULT_COOKIE_NAME;
}
