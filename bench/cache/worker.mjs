// One benchmark process: opens an engine on the shared data, waits for "go" on stdin (so
// concurrent workers start together), runs one operation for a fixed time and prints JSON.
// Latency is sampled per batch of BATCH operations with process.hrtime.bigint(), so the clock
// itself costs a few ns per op instead of dominating sub-microsecond calls.
// argv[2]: JSON { engine, kind, op: 'get'|'set'|'populate', dir, warmupMs, durationMs, seed }
import { createInterface } from 'node:readline';
import { KEY_COUNT, makeAccessOrder, makeKeys, makeRawValues, makeSessions } from './data.mjs';
import { ENGINES } from './engines.mjs';

const BATCH = 32;
const cfg = JSON.parse(process.argv[2]);
const keys = makeKeys();
const values = cfg.kind === 'raw' ? makeRawValues() : makeSessions();
const engine = await ENGINES[cfg.engine](cfg.dir, cfg.kind);

if (cfg.op === 'populate') {
  for (let i = 0; i < KEY_COUNT; i++) engine.set(keys[i], values[i]);
  const back = engine.get(keys[7]);
  const same =
    cfg.kind === 'raw'
      ? Buffer.compare(Buffer.from(back), values[7]) === 0
      : JSON.stringify(back) === JSON.stringify(values[7]);
  if (!same)
    throw new Error(`${cfg.engine}/${cfg.kind}: value read back differs from the one written`);
  console.log(JSON.stringify({ populated: KEY_COUNT, stats: engine.stats() }));
  engine.close();
  process.exit(0);
}

const order = makeAccessOrder(cfg.seed);
const mask = order.length - 1;
const orderedKeys = Array.from(order, (i) => keys[i]);
const orderedValues = Array.from(order, (i) => values[i]);

console.log('ready');
await new Promise((resolve) => {
  const rl = createInterface({ input: process.stdin });
  rl.once('line', () => {
    rl.close();
    resolve();
  });
});

let misses = 0;
function runFor(ms, samples) {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  let p = 0;
  let ops = 0;
  const started = process.hrtime.bigint();
  let t1 = started;
  while (t1 < end) {
    const t0 = process.hrtime.bigint();
    if (cfg.op === 'get') {
      for (let j = 0; j < BATCH; j++) {
        if (engine.get(orderedKeys[p & mask]) === undefined) misses++;
        p++;
      }
    } else {
      for (let j = 0; j < BATCH; j++) {
        engine.set(orderedKeys[p & mask], orderedValues[p & mask]);
        p++;
      }
    }
    t1 = process.hrtime.bigint();
    if (samples !== undefined) samples.push(Math.round(Number(t1 - t0) / BATCH));
    ops += BATCH;
  }
  return { ops, elapsedNs: Number(t1 - started) };
}

runFor(cfg.warmupMs);
const samples = [];
// CPU time too: on a shared machine, ops per CPU-second is what this process's code costs,
// whatever else ran meanwhile.
const cpu0 = process.cpuUsage();
const { ops, elapsedNs } = runFor(cfg.durationMs, samples);
const cpu = process.cpuUsage(cpu0);
const cpuNs = (cpu.user + cpu.system) * 1000;
// Untimed: every value must read back as written, so a broken engine cannot look fast.
const same = (a, b) =>
  a !== undefined &&
  (cfg.kind === 'raw'
    ? Buffer.compare(Buffer.from(a), b) === 0
    : JSON.stringify(a) === JSON.stringify(b));
for (let i = 0; i < KEY_COUNT; i++) {
  if (!same(engine.get(keys[i]), values[i]))
    throw new Error(`${cfg.engine}/${cfg.kind}/${cfg.op}: key ${i} reads back wrong`);
}
const stats = engine.stats();
engine.close();
console.log(JSON.stringify({ ops, elapsedNs, cpuNs, misses, samples, stats }));
