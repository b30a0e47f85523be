// One Express benchmark target: a node:cluster primary with two Express workers, all running
// the same counter app with one session setup (argv[2]). Prints {"port":n} when both listen.
import { join } from 'node:path';
import express from 'express';
import { increment, runCluster, secret, sessionProfile } from './cluster.mjs';

const [variant, dir, redisUrl] = process.argv.slice(2);

async function sessionMiddleware() {
  switch (variant) {
    case 'none':
      return undefined;
    case 'fastmmap':
    case 'fastmmap-eager': {
      const { session } = await import('@fastmmap/express');
      const { FastMmapStore } = await import('@fastmmap/session-core');
      const store = new FastMmapStore({ storage: join(dir, `${variant}.fmcache`) });
      // touchAfter 0: the cookie on every write, as express-session sends it.
      return session({ secret, store, ...(variant === 'fastmmap-eager' ? { touchAfter: 0 } : {}) });
    }
    case 'es-fastmmap':
    case 'es-memory':
    case 'es-redis': {
      const { default: expressSession } = await import('express-session');
      let store;
      if (variant === 'es-fastmmap') {
        const { ExpressSessionStore } = await import('@fastmmap/express/store');
        store = new ExpressSessionStore({ path: join(dir, 'es.fmcache') });
      } else if (variant === 'es-redis') {
        const { createClient } = await import('redis');
        const { RedisStore } = await import('connect-redis');
        const client = createClient({ url: redisUrl });
        await client.connect();
        store = new RedisStore({ client });
      }
      // A one-day persistent cookie, like session()'s default: both then re-send the cookie
      // whenever the session changes, which every request here does.
      return expressSession({
        secret,
        store,
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge: 86_400_000 },
      });
    }
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

// express-session keeps data on req.session; @fastmmap/express on req.session.data.
function sessionData(req) {
  if (variant === 'none') return {};
  return variant.startsWith('fastmmap') ? req.session.data : req.session;
}

await runCluster(async () => {
  const app = express();
  app.set('etag', false);
  const middleware = await sessionMiddleware();
  if (middleware) app.use(middleware);
  const profile = sessionProfile();
  app.get('/inc', (req, res) => {
    res.json({ count: increment(sessionData(req), profile) });
  });
  app.get('/count', (req, res) => {
    res.json({ count: sessionData(req).count ?? 0 });
  });
  app.listen(0, '127.0.0.1');
});
