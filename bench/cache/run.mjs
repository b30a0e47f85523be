// `pnpm bench:cache`: FastMmapCache against lmdb on the same data, same machine, same run.
// Every measurement runs in fresh child processes (1, or 2 at once on the same file) so JIT
// state and GC do not leak between cases. Engines are measured alternately, ROUNDS times, and
// each cell keeps its best round, so a burst of load from elsewhere does not decide a ratio.
// Targets are checked on wall-clock throughput; two other views are printed next to it for
// shared machines: ops per CPU-second of the benchmark processes (immune to other load, but it
// also bills lmdb's helper threads) and the ratio of p50 batch latencies (a batch's median is
// rarely one that another process pre-empted).
// Options (env): BENCH_DURATION_MS (default 1200), BENCH_ROUNDS (default 2),
// BENCH_ONLY=lmdb|fastmmap, BENCH_PROFILE=1 (--cpu-prof of every worker into bench/cache/profiles/),
// BENCH_FASTMMAP_MODULE=<path to a built cache/index.js> (compare another build, e.g. before/after).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_MS = 300;
const ONLY = process.env.BENCH_ONLY;
const PROFILE_DIR = process.env.BENCH_PROFILE === '1' ? join(here, 'profiles') : undefined;

const CASES = [
  { engine: 'fastmmap', kind: 'raw', label: 'FastMmapCache raw 1 KiB' },
  { engine: 'lmdb', kind: 'raw', label: 'lmdb binary (getBinary/putSync)' },
  { engine: 'fastmmap', kind: 'object', label: 'FastMmapCache cbor session object' },
  { engine: 'lmdb', kind: 'object', label: 'lmdb msgpack (get/putSync)' },
].filter((c) => ONLY === undefined || c.engine === ONLY);

function startWorker(cfg) {
  const execArgv = PROFILE_DIR
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${PROFILE_DIR}`,
        `--cpu-prof-name=${cfg.engine}-${cfg.kind}-${cfg.op}-${cfg.seed}.cpuprofile`,
      ]
    : [];
  const child = spawn(
    process.execPath,
    [...execArgv, join(here, 'worker.mjs'), JSON.stringify(cfg)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  let onReady;
  const ready = new Promise((resolve) => {
    onReady = resolve;
  });
  child.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  const done = new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (code !== 0)
        reject(new Error(`worker ${cfg.engine}/${cfg.kind}/${cfg.op} exited ${code ?? signal}`));
      else
        resolve(
          JSON.parse(
            out
              .split('\n')
              .filter((l) => l.startsWith('{'))
              .pop(),
          ),
        );
    });
  });
  done.catch(() => onReady());
  return { child, ready, done };
}

async function measure(dir, c, op, processes) {
  const workers = Array.from({ length: processes }, (_, i) =>
    startWorker({ ...c, op, dir, warmupMs: WARMUP_MS, durationMs: DURATION_MS, seed: 100 + i }),
  );
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin.end('go\n');
  const results = await Promise.all(workers.map((w) => w.done));
  const samples = results.flatMap((r) => r.samples).sort((a, b) => a - b);
  const pct = (p) =>
    samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? Number.NaN;
  return {
    opsPerSec: results.reduce((sum, r) => sum + r.ops / (r.elapsedNs / 1e9), 0),
    opsPerCpuSec: results.reduce((sum, r) => sum + r.ops / (r.cpuNs / 1e9), 0),
    p50: pct(0.5),
    p99: pct(0.99),
    misses: results.reduce((s, r) => s + r.misses, 0),
  };
}

/**
 * Keeps, per cell, the round with the best wall-clock throughput (its p50 and p99 with it, so
 * the latencies of one row come from one round) and the best ops per CPU-second of any round.
 */
function keepBest(old, r) {
  if (old === undefined) return r;
  return {
    ...(r.opsPerSec > old.opsPerSec ? r : old),
    opsPerCpuSec: Math.max(old.opsPerCpuSec, r.opsPerCpuSec),
  };
}

function machineFacts() {
  const cpus = os.cpus();
  return [
    `cores: ${cpus.length} (available parallelism ${os.availableParallelism()})`,
    `CPU: ${cpus[0]?.model ?? 'unknown'}`,
    `memory: ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    `Node ${process.version}; files in ${os.tmpdir()}`,
    `load average before the run: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  ];
}

/** Share of all CPUs busy over `ms` (from /proc/stat), i.e. load from other work; -1 if unknown. */
function cpuBusy(ms = 1000) {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const b = sample();
    return 1 - (b.idle - a.idle) / (b.total - a.total);
  } catch {
    return -1;
  }
}

const fmtOps = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);
const fmtNs = (n) => (n >= 1000 ? `${(n / 1000).toFixed(2)} µs` : `${Math.round(n)} ns`);

async function main() {
  const started = performance.now();
  const busyBefore = cpuBusy();
  console.log('# FastMmapCache vs lmdb\n');
  for (const line of machineFacts()) console.log(`- ${line}`);
  if (process.env.BENCH_FASTMMAP_MODULE)
    console.log(`- FastMmapCache from ${process.env.BENCH_FASTMMAP_MODULE}`);
  console.log(
    `- other load just before the run: ${(busyBefore * 100).toFixed(0)}% of the CPUs busy`,
  );
  console.log(
    `- 10,000 keys; best of ${ROUNDS} rounds, engines alternating; ${DURATION_MS} ms per measurement after ${WARMUP_MS} ms warm-up; p50/p99 of per-batch means (32 ops a batch, wall clock)\n`,
  );
  if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });

  const dir = mkdtempSync(join(os.tmpdir(), 'fmm-bench-'));
  const cells = new Map();
  const keyOf = (label, op, processes) => `${label}|${op}|${processes}`;
  try {
    for (const c of CASES) await startWorker({ ...c, op: 'populate', dir, seed: 0 }).done;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const kind of ['raw', 'object']) {
        for (const op of ['get', 'set']) {
          for (const processes of [1, 2]) {
            for (const c of CASES.filter((x) => x.kind === kind)) {
              const r = await measure(dir, c, op, processes);
              if (op === 'get' && r.misses > 0)
                throw new Error(`${c.label}: ${r.misses} misses in the get benchmark`);
              const key = keyOf(c.label, op, processes);
              cells.set(key, { ...c, op, processes, ...keepBest(cells.get(key), r) });
              process.stderr.write(
                `  round ${round}: ${c.label} ${op} x${processes}: ${fmtOps(r.opsPerSec)} ops/s, ${fmtOps(r.opsPerCpuSec)} ops/CPU-s\n`,
              );
            }
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const find = (engine, kind, op, processes) =>
    [...cells.values()].find(
      (r) => r.engine === engine && r.kind === kind && r.op === op && r.processes === processes,
    );
  const rows = CASES.flatMap((c) =>
    ['get', 'set'].flatMap((op) => [1, 2].map((p) => cells.get(keyOf(c.label, op, p)))),
  ).filter((r) => r !== undefined);
  console.log('| case | op | procs | ops/s | p50 | p99 | vs lmdb | ops/CPU-s | vs lmdb (CPU) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const peer = r.engine === 'fastmmap' ? find('lmdb', r.kind, r.op, r.processes) : undefined;
    const x = (a, b) => (peer ? `${(a / b).toFixed(2)}x` : '');
    console.log(
      `| ${r.label} | ${r.op} | ${r.processes} | ${fmtOps(r.opsPerSec)} | ${fmtNs(r.p50)} | ${fmtNs(r.p99)} | ${x(r.opsPerSec, peer?.opsPerSec)} | ${fmtOps(r.opsPerCpuSec)} | ${x(r.opsPerCpuSec, peer?.opsPerCpuSec)} |`,
    );
  }

  const targets = [];
  // [wall clock, per CPU-second, from p50 latency]
  const ratios = (a, b) =>
    a && b
      ? [
          a.opsPerSec / b.opsPerSec,
          a.opsPerCpuSec / b.opsPerCpuSec,
          a.processes / a.p50 / (b.processes / b.p50),
        ]
      : [Number.NaN, Number.NaN, Number.NaN];
  const target = (name, a, b, want) => targets.push([name, ratios(a, b), want]);
  if (ONLY === undefined) {
    target(
      'raw get >= 3x lmdb getBinary (1 process)',
      find('fastmmap', 'raw', 'get', 1),
      find('lmdb', 'raw', 'get', 1),
      3,
    );
    target(
      'raw set >= 5x lmdb putSync (1 process)',
      find('fastmmap', 'raw', 'set', 1),
      find('lmdb', 'raw', 'set', 1),
      5,
    );
  }
  if (ONLY !== 'lmdb') {
    target(
      '2 processes >= 1.6x the 1-process raw get throughput',
      find('fastmmap', 'raw', 'get', 2),
      find('fastmmap', 'raw', 'get', 1),
      1.6,
    );
  }
  console.log('\nTargets (wall-clock throughput; per CPU-second and from p50 in brackets):');
  let failed = 0;
  for (const [name, [got, cpu, p50], want] of targets) {
    const pass = got >= want;
    if (!pass) failed++;
    const short = pass ? '' : `, ${((got / want) * 100).toFixed(0)}% of target`;
    console.log(
      `  ${pass ? 'PASS' : 'FAIL'}  ${name}: ${got.toFixed(2)}x (CPU ${cpu.toFixed(2)}x, p50 ${p50.toFixed(2)}x)${short}`,
    );
  }
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (busyBefore > 0.25) {
    console.log(
      `WARNING: other work kept ${(busyBefore * 100).toFixed(0)}% of the CPUs busy before the run: wall-clock numbers and p99 are inflated; look at the CPU and p50 ratios, or re-run on an idle machine`,
    );
  }
  if (failed > 0) process.exitCode = 1;
}

await main();
