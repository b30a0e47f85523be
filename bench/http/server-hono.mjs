// One Hono benchmark target (bench:http --framework hono): the counter app on
// @hono/node-server in the two-worker cluster of cluster.mjs with one session setup (argv[2]).
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { increment, runCluster, secret, sessionProfile } from './cluster.mjs';

const [variant, dir] = process.argv.slice(2);

async function sessionMiddleware() {
  switch (variant) {
    case 'none':
      return undefined;
    case 'fastmmap': {
      const { session, FastMmapStore } = await import('@fastmmap/hono');
      return session({
        secret,
        store: new FastMmapStore({ storage: join(dir, 'fastmmap.fmcache') }),
      });
    }
    case 'hs-memory':
    case 'hs-sealed': {
      // As hono-sessions' README wires it; hs-sealed adds the encryptionKey it recommends for
      // a server store (the id in the cookie is then sealed with iron on every response).
      const { sessionMiddleware, MemoryStore } = await import('hono-sessions');
      return sessionMiddleware({
        store: new MemoryStore(),
        ...(variant === 'hs-sealed' ? { encryptionKey: secret } : {}),
        expireAfterSeconds: 86_400,
        cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
      });
    }
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

/** The session as a plain object for increment(), and how to write it back. */
function sessionData(c) {
  if (variant === 'none') return { data: {}, save() {} };
  if (variant === 'fastmmap') return { data: c.get('session').data, save() {} };
  // hono-sessions has get/set only.
  const session = c.get('session');
  const data = { count: session.get('count'), profile: session.get('profile') };
  const hadProfile = data.profile !== undefined;
  return {
    data,
    save() {
      session.set('count', data.count);
      if (!hadProfile && data.profile !== undefined) session.set('profile', data.profile);
    },
  };
}

await runCluster(async () => {
  const app = new Hono();
  const middleware = await sessionMiddleware();
  if (middleware) app.use(middleware);
  const profile = sessionProfile();
  app.get('/inc', (c) => {
    const session = sessionData(c);
    const count = increment(session.data, profile);
    session.save();
    return c.json({ count });
  });
  app.get('/count', (c) => c.json({ count: sessionData(c).data.count ?? 0 }));
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
});
