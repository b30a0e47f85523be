import './augment.js';
import { adapterManager, commitNow, type Session, sessionGuard } from '@fastmmap/session-core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { clientSafe } from './client-safe-error.js';
import { FASTIFY_REGISTER_KEYS, type FastifySessionOptions } from './options.js';
import { fastifySessionMembers } from './session-api.js';

/** Marks a request whose session onSend has committed (a symbol: no WeakSet entry per request). */
const COMMITTED = Symbol('@fastmmap/fastify committed');

/**
 * A hook replied without `return reply` (@fastify/passport's redirects do) while the commit
 * waited on the store, so Fastify ran the handler too and its reply went out first. Going on
 * would throw ERR_HTTP_HEADERS_SENT where nothing catches it: the session is committed, and
 * this reply's pipeline stops here.
 */
function sentTwice(request: FastifyRequest, err?: unknown): void {
  const message =
    '@fastmmap/fastify: the reply was sent twice (a hook called reply.send() or reply.redirect() without returning reply); the first one was dropped';
  if (err === undefined) request.log.warn(message);
  else request.log.error({ err }, `${message}, and its session commit failed`);
}

/** request.session: data only on `data`, @fastify/session's API added, client-safe errors. */
const guarded = sessionGuard('request.session', {
  mapError: clientSafe,
  members: fastifySessionMembers,
});

async function sessionPlugin(fastify: FastifyInstance, options: FastifySessionOptions) {
  // Fastify hands every plugin its register options too.
  const { manager, owned } = adapterManager(options, FASTIFY_REGISTER_KEYS);
  try {
    fastify.decorate('sessionManager', manager);
    fastify.decorateRequest('session', null as unknown as FastifyRequest['session']);
  } catch (err) {
    // Registered twice in one context, say: the store this registration opened is closed.
    if (owned) await manager.close();
    throw err;
  }

  fastify.addHook('onRequest', (request, _reply, done) => {
    let loaded: Session | Promise<Session>;
    try {
      // request.protocol follows Fastify's own `trustProxy` setting (X-Forwarded-Proto).
      loaded = manager.loadNow(request.headers.cookie, { secure: request.protocol === 'https' });
    } catch (err) {
      done(clientSafe(err) as Error);
      return;
    }
    const begin = (session: Session) => {
      request.session = guarded(session) as FastifyRequest['session'];
      done();
    };
    // A synchronous store (Store.sync) gives the session in the call: no promise to wait for.
    if (loaded instanceof Promise) loaded.then(begin, (err) => done(clientSafe(err) as Error));
    else begin(loaded);
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const session = request.session as Session | null;
    const flags = request as { [COMMITTED]?: true };
    // A commit that fails here sends the error through the error handler, which runs onSend
    // again for the error reply: that second pass must not commit (or fail) again.
    if (session === null || flags[COMMITTED]) {
      done(null, payload);
      return;
    }
    flags[COMMITTED] = true;
    // Finished before the payload goes out: the client's next request sees the change.
    const send = (cookies: readonly string[]) => {
      for (const cookie of cookies) reply.header('set-cookie', cookie);
      done(null, payload);
    };
    let committed: readonly string[] | Promise<readonly string[]>;
    try {
      committed = commitNow(session);
    } catch (err) {
      done(clientSafe(err) as Error);
      return;
    }
    if (!(committed instanceof Promise)) {
      send(committed);
      return;
    }
    committed.then(
      (cookies) => (reply.raw.headersSent ? sentTwice(request) : send(cookies)),
      (err) => (reply.raw.headersSent ? sentTwice(request, err) : done(clientSafe(err) as Error)),
    );
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
