// temporary quick ratio check by the cache engineer (deleted after use)
import { open } from 'lmdb';
import { FastMmapCache } from '../packages/session-core/dist/cache/index.js';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fmq-'));
const c = FastMmapCache.open({ path: path.join(dir, 'c'), codec: 'raw', cacheSize: 64 << 20 });
const db = open({ path: path.join(dir, 'l'), noSync: true, compression: false });
const val = Buffer.alloc(1024, 7); const N = 5000; const keys = Array.from({length:N}, (_, i) => 'sess:' + i.toString(16).padStart(32, '0'));
for (const k of keys) { c.set(k, val); db.putSync(k, val); }
function time(fn) { const t = process.cpuUsage(); fn(); const d = process.cpuUsage(t); return (d.user + d.system) * 1000 / N; }
const res = {};
for (let r = 0; r < 40; r++) {
  const m = {
    fmGet: time(() => { for (let i = 0; i < N; i++) c.get(keys[i]); }),
    lmGet: time(() => { for (let i = 0; i < N; i++) db.getBinary(keys[i]); }),
  };
  for (const k in m) res[k] = Math.min(res[k] ?? Infinity, m[k]);
}
for (let r = 0; r < 40; r++) {
  const m = {
    fmSet: time(() => { for (let i = 0; i < N; i++) c.set(keys[i], val); }),
    lmSet: time(() => { for (let i = 0; i < N; i++) db.putSync(keys[i], val); }),
    fmGetAfterSet: time(() => { for (let i = 0; i < N; i++) c.get(keys[i]); }),
  };
  for (const k in m) res[k] = Math.min(res[k] ?? Infinity, m[k]);
}
console.log(Object.fromEntries(Object.entries(res).map(([k, v]) => [k, Math.round(v)])), 'get ratio lmdb/fm', (res.lmGet / res.fmGet).toFixed(2), 'set ratio', (res.lmSet / res.fmSet).toFixed(2));
db.close(); fs.rmSync(dir, { recursive: true });
