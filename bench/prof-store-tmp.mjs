import { FastMmapStore } from '@fastmmap/session-core';
import { FastMmapCache } from '@fastmmap/session-core/cache';
import { createRequire } from 'node:module';
import { sampleSession, sessionIds } from '/work/main/bench/store/session.mjs';
import { rmSync } from 'node:fs';
const require = createRequire('/work/main/bench/package.json');
const session = require('express-session');
const p = '/tmp/prof-store.fmcache'; rmSync(p, { force: true });
const store = new FastMmapStore({ storage: p, numPages: 64 });
const ids = sessionIds('x', 1000);
for (let i = 0; i < ids.length; i++) await store.store(ids[i], sampleSession(i), 3600000);
const ms = new session.MemoryStore();
for (let i = 0; i < ids.length; i++) await new Promise(r => ms.set(ids[i], sampleSession(i), r));
const cache = store.cache;
const N = 100000;
async function time(label, fn) {
  for (let i = 0; i < 5000; i++) await fn(i);
  const t = performance.now();
  for (let i = 0; i < N; i++) await fn(i);
  const us = (performance.now() - t) * 1000 / N;
  console.log(label.padEnd(40), us.toFixed(2), 'µs/op');
}
for (let round = 0; round < 2; round++) {
await time('cache.get (sync)', (i) => cache.get('sess:' + ids[i % 1000]));
await time('store.get', (i) => store.get(ids[i % 1000]));
await time('express MemoryStore.get', (i) => new Promise(r => ms.get(ids[i % 1000], (e, v) => r(v))));
const data = sampleSession(0);
await time('cache.set (sync)', (i) => cache.set('sess:' + ids[i % 1000], data, { ttl: 3600000 }));
await time('store.store', (i) => store.store(ids[i % 1000], data, 3600000));
await time('express MemoryStore.set', (i) => new Promise(r => ms.set(ids[i % 1000], data, r)));
}
