import type { SessionManager, SessionManagerOptions } from '@fastmmap/session-core';
import type { RegisterOptions } from 'fastify';

/**
 * Options of the Fastify plugin: the session manager's options (secret, name, cookie, ttl,
 * absoluteTimeout, rolling, touchAfter, tombstoneTtl, saveUninitialized, genid, store, clock),
 * or an existing `manager` to share with other apps or plugins (the plugin then leaves
 * closing it to you). Unknown keys are refused with ERR_SESSION_OPTIONS.
 */
export type FastifySessionOptions =
  | (SessionManagerOptions & { manager?: undefined })
  | { manager: SessionManager };

/**
 * The manager's options out of what the plugin is handed. Fastify passes its own register
 * options (prefix, logLevel, logSerializers) on to the plugin too, and the manager refuses
 * keys it does not know.
 */
export function managerOptions(
  options: SessionManagerOptions & RegisterOptions & { manager?: undefined },
): SessionManagerOptions {
  const {
    manager: _manager,
    prefix: _prefix,
    logLevel: _logLevel,
    logSerializers: _logSerializers,
    ...rest
  } = options;
  return rest;
}
