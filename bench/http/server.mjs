// One benchmark target: a node:cluster primary with two Express workers, all running the
// same counter app with one session setup (argv[2]). Prints {"port":n} when both listen.
import cluster from 'node:cluster';
import { join } from 'node:path';
import express from 'express';

const [variant, dir, redisUrl] = process.argv.slice(2);
const secret = 'http-bench-secret-0123456789-abcdefghijklmnopqrstuv';
const WORKERS = 2;

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

/**
 * What a logged-in user's session might hold besides the counter (BENCH_SESSION_BYTES: about
 * that many bytes of JSON; 0, the default, adds nothing): a user, a CSRF secret, preferences
 * and a cart that grows to the size.
 */
function sessionProfile(bytes) {
  if (!(bytes > 0)) return undefined;
  const profile = {
    user: { id: 48213, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['editor'] },
    csrfSecret: 'b1946ac92492d2347c6235b4d2611184',
    prefs: { theme: 'dark', locale: 'en-GB', pageSize: 50 },
    cart: [],
  };
  for (let i = 0; JSON.stringify(profile).length < bytes; i++) {
    profile.cart.push({ sku: `SKU-${100000 + i}`, qty: (i % 3) + 1, price: 1999 + i * 7 });
  }
  return profile;
}

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', (_w, address) => {
    if (++listening === WORKERS) console.log(JSON.stringify({ port: address.port }));
  });
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers).length === 0) process.exit(0);
    });
  });
} else {
  const app = express();
  app.set('etag', false);
  const middleware = await sessionMiddleware();
  if (middleware) app.use(middleware);
  const profile = sessionProfile(Number(process.env.BENCH_SESSION_BYTES ?? 0));
  app.get('/inc', (req, res) => {
    const data = sessionData(req);
    // Stored once, when the session is made (as at a login), then only carried along.
    if (data.count === undefined && profile !== undefined) data.profile = profile;
    data.count = (data.count ?? 0) + 1;
    res.json({ count: data.count });
  });
  app.get('/count', (req, res) => {
    res.json({ count: sessionData(req).count ?? 0 });
  });
  app.listen(0, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}
