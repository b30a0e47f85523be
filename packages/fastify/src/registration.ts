import { SessionError } from '@fastmmap/session-core';
import type { FastifyInstance } from 'fastify';

/**
 * Refuses a second registration where request.session is already someone's: this plugin's
 * (in this context or an ancestor, whose decorators a child context inherits) or another
 * plugin's (@fastify/session). Checked before the manager is made, so nothing is opened.
 * An error, not a silent no-op: the second registration's options (secret, name, store)
 * would otherwise be ignored.
 */
export function refuseSecondOwner(fastify: FastifyInstance): void {
  if (fastify.hasDecorator('sessionManager')) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      '@fastmmap/fastify is already registered in this context or a parent one (its ' +
        'request.session reaches child contexts): register it once, in the context whose ' +
        'routes need sessions',
    );
  }
  if (fastify.hasRequestDecorator('session')) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'request.session already belongs to another plugin in this context (@fastify/session?): ' +
        'register one session plugin per context; to keep @fastify/session, give it ' +
        "FastifySessionStore from '@fastmmap/fastify/store'",
    );
  }
}
