// One Fastify 5 benchmark target (bench:http --framework fastify): the counter app in the
// two-worker cluster of cluster.mjs with one session setup (argv[2]).
import { join } from 'node:path';
import Fastify from 'fastify';
import { increment, runCluster, secret, sessionProfile } from './cluster.mjs';

const [variant, dir, redisUrl] = process.argv.slice(2);

/** @fastify/session's store for a `fs-*` variant; undefined: its default MemoryStore. */
async function peerStore() {
  if (variant === 'fs-fastmmap') {
    const { FastifySessionStore } = await import('@fastmmap/fastify/store');
    const { FastMmapStore } = await import('@fastmmap/session-core');
    return new FastifySessionStore({
      store: new FastMmapStore({ storage: join(dir, 'fs.fmcache') }),
    });
  }
  if (variant === 'fs-redis') {
    // As @fastify/session's README wires it: connect-redis on a node-redis client.
    const { createClient } = await import('redis');
    const { RedisStore } = await import('connect-redis');
    const client = createClient({ url: redisUrl });
    await client.connect();
    return new RedisStore({ client });
  }
  return undefined;
}

async function registerSessions(app) {
  switch (variant) {
    case 'none':
      return;
    case 'fastmmap': {
      const { fastifySession, FastMmapStore } = await import('@fastmmap/fastify');
      const store = new FastMmapStore({ storage: join(dir, 'fastmmap.fmcache') });
      await app.register(fastifySession, { secret, store });
      return;
    }
    case 'fs-fastmmap':
    case 'fs-redis':
    case 'fs-memory': {
      const { default: fastifyCookie } = await import('@fastify/cookie');
      const { default: fastifySession } = await import('@fastify/session');
      await app.register(fastifyCookie);
      // Like the Express setups: a one-day cookie, nothing stored until the data changes;
      // secure: false, or @fastify/session sends no cookie over plain HTTP.
      await app.register(fastifySession, {
        secret,
        store: await peerStore(),
        saveUninitialized: false,
        cookie: { maxAge: 86_400_000, secure: false },
      });
      return;
    }
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

// @fastmmap/fastify keeps data on request.session.data; @fastify/session on request.session.
function sessionData(request) {
  if (variant === 'none') return {};
  return variant === 'fastmmap' ? request.session.data : request.session;
}

await runCluster(async () => {
  const app = Fastify();
  await registerSessions(app);
  const profile = sessionProfile();
  app.get('/inc', async (request) => ({ count: increment(sessionData(request), profile) }));
  app.get('/count', async (request) => ({ count: sessionData(request).count ?? 0 }));
  await app.listen({ port: 0, host: '127.0.0.1' });
});
