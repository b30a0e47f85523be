// pnpm bench:store — get / store / getAndSet of a ~1 KiB session through FastMmapStore and
// real peers in one run: express-session's MemoryStore, memorystore, connect-redis 9 on a
// redis-server started here, and an lmdb store. Shared stores also run with 2 processes.
// Environment: BENCH_ITERATIONS (per process and operation, default 20000), BENCH_PEERS
// (comma-separated names to run only those, e.g. "FastMmapStore,lmdb").
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peers } from './peers.mjs';
import { startRedis } from './redis-server.mjs';
import { fmtOps, fmtUs, summarize } from './stats.mjs';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const SESSIONS = 1000;
const OPS = ['get', 'store', 'getAndSet'];
const workerPath = fileURLToPath(new URL('./worker.mjs', import.meta.url));

function once(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type === type) {
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(m);
      }
    };
    const onExit = (code) => reject(new Error(`worker exited with code ${code} before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function benchPeer(peer, processes, baseCtx) {
  const dir = mkdtempSync(join(baseCtx.tmp, 'peer-'));
  const workers = Array.from({ length: processes }, (_, worker) =>
    fork(workerPath, [peer.name, JSON.stringify({ ...baseCtx, dir, worker, sessions: SESSIONS })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  try {
    await Promise.all(workers.map((w) => once(w, 'ready')));
    const row = {};
    for (const op of OPS) {
      const results = workers.map((w) => once(w, 'result'));
      for (const w of workers) w.send({ type: 'run', op, iterations: ITERATIONS });
      row[op] = summarize(await Promise.all(results));
    }
    for (const w of workers) w.send({ type: 'exit' });
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    return row;
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'fastmmap-bench-store-'));
const redis = await startRedis();
const rows = [];
try {
  const only = process.env.BENCH_PEERS?.split(',').map((s) => s.trim());
  for (const peer of peers) {
    if (only && !only.includes(peer.name)) continue;
    const available = peer.available ? await peer.available() : true;
    if (available !== true) {
      console.log(`skip ${peer.name}: ${available}`);
      continue;
    }
    for (const processes of peer.shared ? [1, 2] : [1]) {
      process.stdout.write(`${peer.name}, ${processes} process${processes > 1 ? 'es' : ''}... `);
      const result = await benchPeer(peer, processes, { tmp, redisUrl: redis.url });
      rows.push({ peer, processes, result });
      console.log('done');
    }
  }
} finally {
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}

const cpu = cpus();
console.log(
  `\nMachine: ${cpu.length} cores (${cpu[0]?.model.trim()}), Node ${process.version}, ` +
    `redis-server ${redis.version} on loopback. ${ITERATIONS} sequential awaited calls per ` +
    `process and operation, ${SESSIONS} sessions of ~1 KiB each.\n`,
);
console.log(
  '| store | procs | get ops/s | p50 µs | p99 µs | store ops/s | p50 µs | p99 µs | getAndSet ops/s | p50 µs | p99 µs |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const { peer, processes, result } of rows) {
  const cells = OPS.flatMap((op) => [
    fmtOps(result[op].opsPerSec),
    fmtUs(result[op].p50us),
    fmtUs(result[op].p99us),
  ]);
  const name = peer.atomic ? peer.name : `${peer.name} *`;
  console.log(`| ${name} | ${processes} | ${cells.join(' | ')} |`);
}
console.log('\n\\* getAndSet is get + set, not atomic: the store has no read-modify-write.\n');

const find = (name, processes) =>
  rows.find((r) => r.peer.name === name && r.processes === processes)?.result;
const ours1 = find('FastMmapStore', 1);
const ours2 = find('FastMmapStore', 2);
const express = find('express-session MemoryStore', 1);
const ratio = (a, b) => (a && b ? a.opsPerSec / b.opsPerSec : Number.NaN);

const checks = [];
if (ours1 && express) {
  const r = ratio(ours1.get, express.get);
  checks.push([
    `get: FastMmapStore / express-session MemoryStore = ${r.toFixed(2)}x (target >= 1.5x)`,
    r >= 1.5,
  ]);
}
for (const [ours, processes] of [
  [ours1, 1],
  [ours2, 2],
]) {
  const sharedPeers = rows.filter(
    (r) => r.peer.shared && r.peer.name !== 'FastMmapStore' && r.processes === processes,
  );
  if (!ours || sharedPeers.length === 0) continue;
  const fastest = sharedPeers.reduce((a, b) =>
    a.result.store.opsPerSec >= b.result.store.opsPerSec ? a : b,
  );
  const r = ratio(ours.store, fastest.result.store);
  checks.push([
    `store, ${processes} process${processes > 1 ? 'es' : ''}: FastMmapStore / fastest shared peer (${fastest.peer.name}) = ${r.toFixed(2)}x (target >= 3x)`,
    r >= 3,
  ]);
}
for (const [line, ok] of checks) console.log(`${ok ? 'PASS' : 'MISS'}  ${line}`);
