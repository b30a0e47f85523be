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

/** What Fastify passes every plugin besides its options (see RegisterOptions): not ours. */
export const FASTIFY_REGISTER_KEYS = [
  'prefix',
  'logLevel',
  'logSerializers',
] as const satisfies readonly (keyof RegisterOptions)[];
