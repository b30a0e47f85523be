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
  const start = hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const id = ids[i % ids.length];
    const t = hrtime.bigint();
    if (op === 'get') await adapter.get(id);
    else if (op === 'store') await adapter.store(id, data);
    else await adapter.getAndSet(id, bump);
    latencies[i] = Number(hrtime.bigint() - t);
  }
  return { elapsedNs: Number(hrtime.bigint() - start), latencies: Array.from(latencies) };
}

process.on('message', async (message) => {
  if (message.type === 'run') {
    // Every round: the previous round ran another operation (or another store's).
    await run(message.op, 1000);
    process.send({ type: 'result', ...(await run(message.op, message.iterations)) });
  } else if (message.type === 'exit') {
    await adapter.close();
    process.disconnect();
  }
});
process.send({ type: 'ready' });
