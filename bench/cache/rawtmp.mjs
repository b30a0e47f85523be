import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_COUNT, makeAccessOrder, makeKeys, makeRawValues } from './data.mjs';
import { FastMmapCache } from '@fastmmap/session-core/cache';
const dir = mkdtempSync('/tmp/s2/raw-');
const cache = FastMmapCache.open({ path: join(dir, 'r.fmcache'), codec: 'raw', pageSize: 65536, cacheSize: 32 * 1024 * 1024 });
const keys = makeKeys(); const values = makeRawValues();
for (let i = 0; i < KEY_COUNT; i++) cache.set(keys[i], values[i]);
const order = makeAccessOrder(7); const mask = order.length - 1; const ok = Array.from(order, (i) => keys[i]);
let p = 0;
function run(n) { const s = process.hrtime.bigint(); for (let i = 0; i < n; i++) cache.get(ok[(p++) & mask]); return Number(process.hrtime.bigint() - s) / n; }
run(500000);
const r = []; for (let i = 0; i < 8; i++) r.push(run(1000000).toFixed(0));
console.log('raw get ns', r.join(' '));
