import './augment.js';
import { createSessionManager, type Session } from '@fastmmap/session-core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { FastifySessionOptions } from './options.js';

async function sessionPlugin(fastify: FastifyInstance, options: FastifySessionOptions) {
  const owned = options.manager === undefined;
  const manager = options.manager ?? createSessionManager(options);
  // A commit that fails in onSend sends the error through the error handler, which runs
  // onSend again for the error reply: that second pass must not commit (or fail) again.
  const committed = new WeakSet<FastifyRequest>();

  fastify.decorate('sessionManager', manager);
  fastify.decorateRequest('session', null as unknown as Session);

  fastify.addHook('onRequest', async (request) => {
    // request.protocol follows Fastify's own `trustProxy` setting (X-Forwarded-Proto).
    request.session = await manager.load(request.headers.cookie, {
      secure: request.protocol === 'https',
    });
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    const session = request.session as Session | null;
    if (session === null || committed.has(request)) return payload;
    committed.add(request);
    // Awaited here, before the payload goes out: the client's next request sees the change.
    for (const cookie of await session.commit()) reply.header('set-cookie', cookie);
    return payload;
  });

  if (owned) fastify.addHook('onClose', () => manager.close());
}

/**
 * Sessions for Fastify: `app.register(fastifySession, { secret })`, then `request.session`.
 * Loads in onRequest, commits in onSend (before the response is written) and closes the
 * manager it created in onClose. Registered with fastify-plugin, so it applies to the
 * context it is registered in and that context's children.
 */
export const fastifySession = fp(sessionPlugin, {
  fastify: '5.x',
  name: '@fastmmap/fastify',
});
