// Private micro-benchmark (not a test, not in CI): the session manager's own cost per request.
// One "request" = manager.load(cookieHeader) + mutate one key + session.commit(), with an
// existing session cookie, round-robin over SESSIONS sessions: what the HTTP bench's /inc does
// minus HTTP and Express. Prints µs/op (median of interleaved rounds) per store and data shape.
//
//   node bench/session/run.mjs                 # FastMmapStore + MemoryStore, 1 process
//   node bench/session/run.mjs --procs 2       # also: 2 processes on one FastMmapStore file
//   node bench/session/run.mjs --core /tmp/base/packages/session-core   # another build, e.g.
//                                              # the last commit's, for before/after numbers
//   node --cpu-prof bench/session/run.mjs --only fastmmap --shape counter --rounds 1
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    sessions: { type: 'string', default: '32' },
    only: { type: 'string' },
    shape: { type: 'string' },
    procs: { type: 'string', default: '1' },
    child: { type: 'string' },
    core: { type: 'string' },
  },
});
const OPS = Number(args.ops);
const ROUNDS = Number(args.rounds);
const SESSIONS = Number(args.sessions);
const secret = 'session-bench-secret-0123456789-abcdefghijklmnop';

// --core <package dir>: measure another build of session-core (e.g. a copy of the last commit).
const coreDir =
  args.core === undefined
    ? dirname(createRequire(import.meta.url).resolve('@fastmmap/session-core/package.json'))
    : resolve(args.core);
const { createSessionManager, FastMmapStore, MemoryStore } = await import(
  pathToFileURL(join(coreDir, 'dist/index.js')).href
);

const SHAPES = {
  // What bench/http's /inc stores.
  counter: () => ({}),
  // A logged-in user's session of ~1 KiB; the request still changes one counter.
  user: (i) => ({
    user: {
      id: `user-${i}`,
      name: 'Ada Lovelace',
      email: `ada.${i}@example.com`,
      roles: ['reader', 'writer'],
    },
    csrf: 'x'.repeat(32),
    cart: Array.from({ length: 6 }, (_, k) => ({
      sku: `SKU-${k}`,
      qty: k + 1,
      price: 12.5 * k,
      title: `Item ${k} with a descriptive title`,
    })),
    prefs: { theme: 'dark', pageSize: 50, newsletter: false, tz: 'Europe/London' },
    history: Array.from({ length: 8 }, (_, k) => `/products/${k * 37}/reviews?page=${k}`),
    seen: new Date(1_700_000_000_000),
  }),
};

function openStore(kind, file) {
  return kind === 'fastmmap' ? new FastMmapStore({ storage: file }) : new MemoryStore();
}

async function prepare(manager, shape) {
  const cookies = [];
  for (let i = 0; i < SESSIONS; i++) {
    const session = await manager.load(undefined);
    Object.assign(session.data, SHAPES[shape](i));
    session.data.count = 0;
    const [setCookie] = await session.commit();
    cookies.push(setCookie.split(';')[0]);
  }
  return cookies;
}

async function loop(manager, cookies, ops) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    const session = await manager.load(cookies[i % cookies.length]);
    session.data.count = (session.data.count ?? 0) + 1;
    // No Set-Cookie while the browser's copy is younger than touchAfter (the default here).
    const headers = await session.commit();
    if (headers.length > 1) throw new Error(`${headers.length} Set-Cookie headers for one commit`);
  }
  return Number(process.hrtime.bigint() - started) / 1000 / ops;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (args.child !== undefined) {
  // One of --procs processes on a shared file: waits for 'go', reports µs/op.
  const { file, shape } = JSON.parse(args.child);
  const manager = createSessionManager({ secret, store: new FastMmapStore({ storage: file }) });
  const cookies = await prepare(manager, shape);
  await loop(manager, cookies, 2000);
  process.send({ ready: true });
  process.once('message', async () => {
    const us = await loop(manager, cookies, OPS);
    process.send({ us });
    await manager.close();
    process.disconnect();
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'fastmmap-bench-session-'));
  try {
    const kinds = ['fastmmap', 'memory'].filter((k) => !args.only || args.only === k);
    const shapes = Object.keys(SHAPES).filter((s) => !args.shape || args.shape === s);
    const targets = [];
    for (const kind of kinds) {
      for (const shape of shapes) {
        const store = openStore(kind, join(dir, `${kind}-${shape}.fmcache`));
        const manager = createSessionManager({ secret, store });
        const cookies = await prepare(manager, shape);
        await loop(manager, cookies, Math.min(OPS, 5000)); // warm-up
        targets.push({ kind, shape, manager, cookies, us: [] });
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        t.us.push(await loop(t.manager, t.cookies, OPS));
      }
    }
    console.log(
      `${coreDir}: ${OPS} ops x ${ROUNDS} rounds, ${SESSIONS} sessions, Node ${process.version}`,
    );
    for (const t of targets) {
      console.log(
        `${t.kind.padEnd(9)} ${t.shape.padEnd(8)} median ${median(t.us).toFixed(2)} us/op  best ${Math.min(...t.us).toFixed(2)}`,
      );
      await t.manager.close();
      await t.manager.store.close();
    }
    const procs = Number(args.procs);
    if (procs > 1) {
      for (const shape of shapes) {
        const file = join(dir, `shared-${shape}.fmcache`);
        const children = Array.from({ length: procs }, () =>
          fork(import.meta.filename, [
            '--ops',
            String(OPS),
            '--sessions',
            String(SESSIONS),
            '--core',
            coreDir,
            '--child',
            JSON.stringify({ file, shape }),
          ]),
        );
        await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
        const results = children.map((c) => new Promise((r) => c.once('message', r)));
        for (const c of children) c.send('go');
        for (const [i, r] of (await Promise.all(results)).entries()) {
          console.log(
            `fastmmap  ${shape.padEnd(8)} ${procs} procs #${i}: ${r.us.toFixed(2)} us/op`,
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
