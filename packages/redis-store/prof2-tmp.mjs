import { createClient } from 'redis';
import { Decoder, Encoder } from 'cbor-x';
const url = process.argv[2];
const N = 20000;
async function time(fn) {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) await fn(i);
  const u = process.cpuUsage(t);
  return ((u.user + u.system) / N).toFixed(1) + 'us';
}
const c = createClient({ url }); await c.connect();
const tm = { [36]: Buffer };
const e = new Encoder({ useRecords: false }); const d = new Decoder({ useRecords: false, mapsAsObjects: true, copyBuffers: true });
const enc = e.encode({ user: 'x'.repeat(900), n: 1, at: new Date() });
const cases = {
  plain: (i) => c.sendCommand(['GET', 's' + (i % 1000)], { typeMapping: tm }),
  abort: (i) => c.sendCommand(['GET', 's' + (i % 1000)], { typeMapping: tm, abortSignal: new AbortController().signal }),
  timer: (i) => { const t = setTimeout(() => {}, 2000); return c.sendCommand(['GET', 's' + (i % 1000)], { typeMapping: tm }).finally(() => clearTimeout(t)); },
  decode: async () => d.decode(enc),
  encode: async () => e.encode({ user: 'x'.repeat(900), n: 1, at: new Date() }),
};
for (let r = 0; r < 3; r++) { const out = []; for (const [k, fn] of Object.entries(cases)) out.push(`${k}=${await time(fn)}`); console.log(out.join('  ')); }
await c.close();
