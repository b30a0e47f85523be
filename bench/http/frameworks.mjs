// The frameworks bench:http can measure (`--framework NAME` or BENCH_FRAMEWORK; Express by
// default): each one's server script and session setups, and how its summary names them.
// A variant is `shared` when its store is shared by the workers (its counters must come out
// exact), `redis` when it uses the redis-server (whose CPU then counts for it); `none` has
// no sessions; `redisName` names the redis setup's client. `peer` is the setup ours is
// measured against; the targets are Express's only.

const express = {
  title: 'Express 5',
  server: 'server.mjs',
  variants: [
    { id: 'fastmmap', label: '@fastmmap/express `session()` (FastMmapStore)', shared: true },
    {
      id: 'fastmmap-eager',
      label: '`session()` with `touchAfter: 0` (Set-Cookie on every write, as express-session)',
      shared: true,
    },
    { id: 'es-fastmmap', label: 'express-session + `ExpressSessionStore`', shared: true },
    {
      id: 'es-redis',
      label: 'express-session + connect-redis 9 (local redis-server)',
      shared: true,
      redis: true,
    },
    { id: 'es-memory', label: 'express-session + its MemoryStore' },
    { id: 'none', label: 'no session middleware' },
  ],
  peer: 'es-redis',
  peerName: 'express-session+connect-redis',
  peerCpuName: 'connect-redis setup',
  redisName: 'connect-redis',
  targets: { peer: 1.6, none: 0.7 },
  added: (us) =>
    `ours ${us('fastmmap')} µs,` +
    ` express-session + ExpressSessionStore ${us('es-fastmmap')} µs,` +
    ` express-session + connect-redis ${us('es-redis')} µs (redis-server included);` +
    ` ours with a Set-Cookie on every write ${us('fastmmap-eager')} µs.`,
};

const fastify = {
  title: 'Fastify 5',
  server: 'server-fastify.mjs',
  variants: [
    { id: 'fastmmap', label: '@fastmmap/fastify `fastifySession` (FastMmapStore)', shared: true },
    { id: 'fs-fastmmap', label: '@fastify/session + `FastifySessionStore`', shared: true },
    {
      id: 'fs-redis',
      label: '@fastify/session + connect-redis 9 (local redis-server)',
      shared: true,
      redis: true,
    },
    { id: 'fs-memory', label: '@fastify/session + its MemoryStore' },
    { id: 'none', label: 'no session plugin' },
  ],
  peer: 'fs-redis',
  peerName: '@fastify/session+connect-redis',
  peerCpuName: 'connect-redis setup',
  redisName: 'connect-redis',
  added: (us) =>
    `ours ${us('fastmmap')} µs,` +
    ` @fastify/session + FastifySessionStore ${us('fs-fastmmap')} µs,` +
    ` @fastify/session + connect-redis ${us('fs-redis')} µs (redis-server included),` +
    ` @fastify/session + its MemoryStore ${us('fs-memory')} µs.`,
};

const koa = {
  title: 'Koa 3',
  server: 'server-koa.mjs',
  variants: [
    { id: 'fastmmap', label: '@fastmmap/koa `session()` (FastMmapStore)', shared: true },
    { id: 'ks-fastmmap', label: 'koa-session + `KoaSessionStore`', shared: true },
    {
      id: 'ks-redis',
      label: 'koa-session + koa-redis 4 (local redis-server)',
      shared: true,
      redis: true,
    },
    // The data travels in the cookie, which the load does not update: it cannot count.
    { id: 'ks-cookie', label: 'koa-session with its cookie store (data in the cookie)' },
    { id: 'none', label: 'no session middleware' },
  ],
  peer: 'ks-redis',
  peerName: 'koa-session+koa-redis',
  peerCpuName: 'koa-redis setup',
  redisName: 'koa-redis',
  added: (us) =>
    `ours ${us('fastmmap')} µs,` +
    ` koa-session + KoaSessionStore ${us('ks-fastmmap')} µs,` +
    ` koa-session + koa-redis ${us('ks-redis')} µs (redis-server included),` +
    ` koa-session with its cookie store ${us('ks-cookie')} µs.`,
};

const hono = {
  title: 'Hono 4 on @hono/node-server',
  server: 'server-hono.mjs',
  variants: [
    { id: 'fastmmap', label: '@fastmmap/hono `session()` (FastMmapStore)', shared: true },
    // hono-sessions has no store that processes share (MemoryStore or CookieStore). Without
    // an encryptionKey its cookie is the bare id (random, but unsigned).
    { id: 'hs-memory', label: 'hono-sessions + its MemoryStore (bare id in the cookie)' },
    {
      id: 'hs-sealed',
      label: 'hono-sessions + its MemoryStore, `encryptionKey` (sealed id in the cookie)',
    },
    { id: 'none', label: 'no session middleware' },
  ],
  peer: 'hs-memory',
  peerName: 'hono-sessions+MemoryStore',
  peerCpuName: 'hono-sessions setup',
  added: (us) =>
    `ours ${us('fastmmap')} µs, hono-sessions + its MemoryStore ${us('hs-memory')} µs,` +
    ` with its encryptionKey ${us('hs-sealed')} µs.`,
};

export const FRAMEWORKS = { express, fastify, koa, hono };

/**
 * The framework asked for: `--framework NAME` (or `--framework=NAME`) on the command line,
 * else BENCH_FRAMEWORK, else express. Returns { name, framework } or { error }.
 */
const USAGE = `usage: pnpm bench:http [-- --framework ${Object.keys(FRAMEWORKS).join('|')}]
  (or BENCH_FRAMEWORK=<name>; express when unset). Other settings by environment:
  BENCH_CONNECTIONS, BENCH_REQUESTS, BENCH_SECONDS, BENCH_WARMUP, BENCH_ROUNDS, BENCH_RATE,
  BENCH_LOADER=wrk, BENCH_SESSION_BYTES (see packages/express/README.md#benchmark)`;

export function chooseFramework(argv, env) {
  let name = env.BENCH_FRAMEWORK || 'express';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue; // what `pnpm bench:http -- --framework x` may pass on
    if (arg === '--help' || arg === '-h') return { help: USAGE };
    if (arg === '--framework') {
      if (i + 1 >= argv.length) return { error: `--framework needs a name\n${USAGE}` };
      name = argv[++i];
    } else if (arg.startsWith('--framework=')) name = arg.slice('--framework='.length);
    else return { error: `unknown argument ${arg}\n${USAGE}` };
  }
  const framework = Object.hasOwn(FRAMEWORKS, name) ? FRAMEWORKS[name] : undefined;
  if (!framework)
    return {
      error: `the framework must be one of ${Object.keys(FRAMEWORKS).join(', ')}, not ${name}`,
    };
  return { name, framework };
}
