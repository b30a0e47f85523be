import { createClient } from 'redis';
import { RedisStore } from './dist/index.js';
const url = process.argv[2];
const N = 10000;
const data = { user: 'x'.repeat(900), n: 1, at: new Date() };
async function time(label, fn) {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) await fn(i);
  const u = process.cpuUsage(t);
  return ((u.user + u.system) / N).toFixed(1) + 'us';
}
const c = createClient({ url }); await c.connect();
const store = new RedisStore({ url }); await store.ready();
const buf = Buffer.alloc(1000, 1);
const cases = {
  'raw set PXAT': (i) => c.sendCommand(['SET', 'k' + (i % 1000), buf, 'PXAT', String(Date.now() + 3600000)]),
  'raw set+abort': (i) => { const ac = new AbortController(); return c.sendCommand(['SET', 'k' + (i % 1000), buf], { abortSignal: ac.signal }); },
  'store.store': (i) => store.store('s' + (i % 1000), data, 3600000),
  'store.get': (i) => store.get('s' + (i % 1000)),
  'raw get buffer': (i) => c.sendCommand(['GET', 's' + (i % 1000)], { typeMapping: { [36]: Buffer } }),
  'store.getAndSet': (i) => store.getAndSet('s' + (i % 1000), (d) => ({ ...d, n: 2 }), 3600000),
};
for (let round = 0; round < 3; round++) {
  const out = [];
  for (const [k, fn] of Object.entries(cases)) out.push(`${k}=${await time(k, fn)}`);
  console.log(out.join('  '));
}
await c.close(); await store.close();
