// One Koa benchmark target (bench:http --framework koa): the counter app in the two-worker
// cluster of cluster.mjs with one session setup (argv[2]).
import { join } from 'node:path';
import Koa from 'koa';
import { increment, runCluster, secret, sessionProfile } from './cluster.mjs';

const [variant, dir, redisUrl] = process.argv.slice(2);

/** koa-session's external store for a `ks-*` variant; undefined: its cookie store. */
async function peerStore() {
  if (variant === 'ks-fastmmap') {
    const { KoaSessionStore } = await import('@fastmmap/koa/store');
    return new KoaSessionStore({ path: join(dir, 'ks.fmcache') });
  }
  if (variant === 'ks-redis') {
    const { default: redisStore } = await import('koa-redis');
    return redisStore({ url: redisUrl });
  }
  return undefined;
}

async function sessionMiddleware(app) {
  switch (variant) {
    case 'none':
      return undefined;
    case 'fastmmap': {
      const { session, FastMmapStore } = await import('@fastmmap/koa');
      return session({
        secret,
        store: new FastMmapStore({ storage: join(dir, 'fastmmap.fmcache') }),
      });
    }
    case 'ks-fastmmap':
    case 'ks-redis':
    case 'ks-cookie': {
      const { default: koaSession } = await import('koa-session');
      app.keys = [secret];
      // koa-session's defaults otherwise: a one-day signed cookie, saved when the data changes.
      return koaSession({ store: await peerStore(), maxAge: 86_400_000 }, app);
    }
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

// @fastmmap/koa keeps data on ctx.session.data; koa-session on ctx.session.
function sessionData(ctx) {
  if (variant === 'none') return {};
  return variant === 'fastmmap' ? ctx.session.data : ctx.session;
}

await runCluster(async () => {
  const app = new Koa();
  const middleware = await sessionMiddleware(app);
  if (middleware) app.use(middleware);
  const profile = sessionProfile();
  app.use((ctx) => {
    if (ctx.method !== 'GET') return;
    if (ctx.path === '/inc') ctx.body = { count: increment(sessionData(ctx), profile) };
    else if (ctx.path === '/count') ctx.body = { count: sessionData(ctx).count ?? 0 };
  });
  app.listen(0, '127.0.0.1');
});
