// One benchmark process: opens a peer, fills its sessions, waits for "go", runs one operation
// N times back to back and reports the latency of each call (ns).
import { hrtime } from 'node:process';
import { peerByName } from './peers.mjs';
import { sampleSession, sessionIds } from './session.mjs';

const [peerName, ctxJson] = process.argv.slice(2);
const ctx = JSON.parse(ctxJson);
const adapter = await peerByName(peerName).open(ctx);
const ids = sessionIds(`w${ctx.worker}-`, ctx.sessions);
for (let i = 0; i < ids.length; i++) await adapter.store(ids[i], sampleSession(i));

const bump = (current) => ({ ...current, counter: (current?.counter ?? 0) + 1 });

async function run(op, iterations) {
  const latencies = new Float64Array(iterations);
  const data = sampleSession(0);
  let misses = 0;
  const start = hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const id = ids[i % ids.length];
    const t = hrtime.bigint();
    if (op === 'get') {
      if ((await adapter.get(id)) === undefined) misses++;
    } else if (op === 'store') await adapter.store(id, data);
    else await adapter.getAndSet(id, bump);
    latencies[i] = Number(hrtime.bigint() - t);
  }
  return { elapsedNs: Number(hrtime.bigint() - start), latencies: Array.from(latencies), misses };
}

/** Untimed: every session's counter, so getAndSet's increments can be checked. */
async function counters() {
  const out = [];
  for (const id of ids) out.push((await adapter.get(id))?.counter);
  return out;
}

process.on('message', async (message) => {
  if (message.type === 'run') {
    const checkCounters = message.op === 'getAndSet';
    const before = checkCounters ? await counters() : undefined;
    // Every round: the previous round ran another operation (or another store's).
    const warm = await run(message.op, 1000);
    const result = await run(message.op, message.iterations);
    result.misses += warm.misses;
    if (checkCounters) {
      // Calls per session in both runs: i % ids.length over 1000 then `iterations` calls.
      const calls = (n, k) => Math.floor(n / ids.length) + (k < n % ids.length ? 1 : 0);
      const after = await counters();
      result.wrongCounters = after.filter(
        (c, k) => c !== (before[k] ?? 0) + calls(1000, k) + calls(message.iterations, k),
      ).length;
    }
    process.send({ type: 'result', ...result });
  } else if (message.type === 'exit') {
    await adapter.close();
    process.disconnect();
  }
});
process.send({ type: 'ready' });
