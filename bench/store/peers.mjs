// The stores the benchmark compares. Each peer opens an adapter with the same three async
// operations; `open` receives a plain, serialisable context so a child process can open the
// same backing store (same file, same Redis) as its siblings.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const HOUR = 3_600_000;

/** Adapter for stores that follow our Store contract (FastMmapStore, RedisStore). */
function contractAdapter(store) {
  return {
    get: (id) => store.get(id),
    store: (id, data) => store.store(id, data, HOUR),
    getAndSet: (id, fn) => store.getAndSet(id, fn, HOUR),
    close: () => store.close(),
  };
}

/** Adapter for express-session stores (callback or promise style). */
function expressAdapter(store, close = async () => {}) {
  const call = (method, ...args) =>
    new Promise((resolve, reject) => {
      store[method](...args, (err, value) => (err ? reject(err) : resolve(value)));
    });
  return {
    get: (id) => call('get', id),
    store: (id, data) => call('set', id, data),
    // express-session stores have no read-modify-write: get then set, not atomic.
    getAndSet: async (id, fn) => {
      const next = fn((await call('get', id)) ?? undefined);
      await call('set', id, next);
      return next;
    },
    close,
  };
}

/** A session store on lmdb, written the way one would: expiry inside the value. */
function lmdbAdapter(db) {
  const live = (entry) => (entry !== undefined && entry.e > Date.now() ? entry.d : undefined);
  return {
    get: async (id) => live(db.get(id)),
    store: async (id, data) => {
      db.putSync(id, { e: Date.now() + HOUR, d: data });
    },
    // Atomic: one synchronous write transaction (lmdb serialises writers across processes).
    getAndSet: async (id, fn) =>
      db.transactionSync(() => {
        const next = fn(live(db.get(id)));
        if (next === undefined) db.removeSync(id);
        else db.putSync(id, { e: Date.now() + HOUR, d: next });
        return next;
      }),
    close: () => db.close(),
  };
}

export const peers = [
  {
    name: 'FastMmapStore',
    shared: true,
    atomic: true,
    async open(ctx) {
      const { FastMmapStore } = await import('@fastmmap/session-core');
      return contractAdapter(
        new FastMmapStore({ storage: join(ctx.dir, 'sessions.fmcache'), numPages: 512 }),
      );
    },
  },
  {
    name: 'express-session MemoryStore',
    shared: false,
    atomic: false,
    async open() {
      const session = require('express-session');
      return expressAdapter(new session.MemoryStore());
    },
  },
  {
    name: 'memorystore',
    shared: false,
    atomic: false,
    async open() {
      const session = require('express-session');
      const MemoryStore = require('memorystore')(session);
      const store = new MemoryStore({ checkPeriod: HOUR });
      return expressAdapter(store, async () => store.stopInterval());
    },
  },
  {
    name: 'connect-redis 9 (redis 5)',
    shared: true,
    atomic: false,
    needsRedis: true,
    async open(ctx) {
      const { createClient } = await import('redis');
      const { RedisStore } = await import('connect-redis');
      const client = createClient({ url: ctx.redisUrl });
      await client.connect();
      return expressAdapter(new RedisStore({ client, prefix: 'bench:' }), () => client.quit());
    },
  },
  {
    name: 'lmdb',
    shared: true,
    atomic: true,
    async open(ctx) {
      const { open } = await import('lmdb');
      // noSync: no fsync per commit, the same durability class as a mapped file.
      const db = open({ path: join(ctx.dir, 'lmdb'), noSync: true, compression: false });
      return lmdbAdapter(db);
    },
  },
  {
    name: '@fastmmap/redis-store',
    shared: true,
    atomic: true,
    needsRedis: true,
    // Skipped (with the reason printed) until the package builds and exports RedisStore.
    async available() {
      try {
        const { RedisStore } = await import('@fastmmap/redis-store');
        return typeof RedisStore === 'function' ? true : 'RedisStore is not exported yet';
      } catch (err) {
        return `cannot import @fastmmap/redis-store (${err.code ?? err.message})`;
      }
    },
    async open(ctx) {
      const { RedisStore } = await import('@fastmmap/redis-store');
      return contractAdapter(new RedisStore({ url: ctx.redisUrl, prefix: 'benchfm:' }));
    },
  },
];

export function peerByName(name) {
  const peer = peers.find((p) => p.name === name);
  if (peer === undefined) throw new Error(`unknown peer ${name}`);
  return peer;
}
