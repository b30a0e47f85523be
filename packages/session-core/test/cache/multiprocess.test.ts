import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastMmapCache } from '../../src/cache/index.js';
import { requireBuiltDist, scratchDir } from './helpers.js';

function hasMmapIo(): boolean {
  try {
    createRequire(import.meta.url)('@riaskov/mmap-io');
    return true;
  } catch {
    return false;
  }
}

const worker = fileURLToPath(new URL('./fixtures/increment-worker.mjs', import.meta.url));
const PROCESSES = 4;
const INCREMENTS = 20_000;
const KEYS = 4;

let t: ReturnType<typeof scratchDir>;
requireBuiltDist();
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

function runWorker(
  env: NodeJS.ProcessEnv,
  startDir: string,
): Promise<{ failures: number; mmap: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [worker, t.path, String(INCREMENTS), String(KEYS), startDir, String(PROCESSES)],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

/** The counters' sum, and how many increments threw (only possible with locking off). */
async function runAll(
  env: NodeJS.ProcessEnv | ((worker: number) => NodeJS.ProcessEnv),
): Promise<{ total: number; failures: number; mmap: string[] }> {
  // Create the file first so every worker opens the same one with the same geometry.
  t.open({ numPages: 3, pageSize: 8192, lockStripes: 2 });
  const envOf = typeof env === 'function' ? env : () => env;
  // The start line: on a loaded machine, processes started one after another could otherwise
  // each finish before the next began, and the lock-free run would then lose nothing.
  const startDir = mkdtempSync(`${t.path}.start-`);
  const runs = await Promise.all(
    Array.from({ length: PROCESSES }, (_, i) => runWorker(envOf(i), startDir)),
  );
  const cache = FastMmapCache.open<number>({ path: t.path });
  let total = 0;
  for (let k = 0; k < KEYS; k++) total += readCounter(cache, k);
  cache.close();
  return {
    total,
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
    mmap: runs.map((r) => r.mmap),
  };
}

/**
 * A counter's value. Without locks, writers interleaving in one page can seal a record over
 * another's bytes (checksum right, value torn: ERR_FASTMMAP_DECODE): its updates are lost too.
 */
function readCounter(cache: FastMmapCache<number>, k: number): number {
  try {
    return cache.get(`counter:${k}`) ?? 0;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_FASTMMAP_DECODE') return 0;
    throw err;
  }
}

describe('several real processes on one file', () => {
  it(`${PROCESSES} x ${INCREMENTS} getAndSet increments end exactly right`, async () => {
    const { total, failures } = await runAll({});
    expect(failures).toBe(0);
    expect(total).toBe(PROCESSES * INCREMENTS);
    const cache = t.open<number>();
    for (let k = 0; k < KEYS; k++)
      expect(cache.get(`counter:${k}`)).toBe((PROCESSES * INCREMENTS) / KEYS);
    expect(cache.verify().ok).toBe(true);
  });

  it('half the processes mapping with @riaskov/mmap-io, half with our addon: exactly right too', async () => {
    // Node 23+ may have no mmap-io (its build fails there): then all map with ours.
    const mmapIoBuilt = Number(process.versions.node.split('.')[0]) < 23 || hasMmapIo();
    const { total, failures, mmap } = await runAll((i) => ({
      FASTMMAP_TEST_HOOKS: '1',
      FASTMMAP_TEST_OWN_MAP: i % 2 === 0 ? '1' : '0',
    }));
    const own = '@fastmmap/session-core';
    const other = mmapIoBuilt ? '@riaskov/mmap-io' : own;
    expect(mmap).toEqual(Array.from({ length: PROCESSES }, (_, i) => (i % 2 === 0 ? own : other)));
    expect(failures).toBe(0);
    expect(total).toBe(PROCESSES * INCREMENTS);
  });

  it('the same run with locking disabled (test hook) loses updates', async () => {
    const { total, failures } = await runAll({
      FASTMMAP_TEST_HOOKS: '1',
      FASTMMAP_TEST_NO_LOCK: '1',
    });
    // Increments that threw are not lost updates: some that returned must be missing too.
    expect(total + failures).toBeLessThan(PROCESSES * INCREMENTS);
  });
});

describe('worker threads', () => {
  // fs-ext keeps V8 handles in static variables; loading it in thread after thread crashed the
  // process (SIGSEGV) within a few rounds before open() refused worker threads.
  it('refuse open() with a typed error, and import the package safely, thread after thread', async () => {
    const threadBody = fileURLToPath(new URL('./fixtures/thread-open.mjs', import.meta.url));
    const main = t.open<number>({ numPages: 3, pageSize: 8192 });
    main.set('counter', 7);
    for (let round = 0; round < 12; round++) {
      const codes = await Promise.all(
        Array.from(
          { length: 3 },
          () =>
            new Promise<string>((resolve, reject) => {
              const w = new Worker(threadBody, { workerData: { path: t.path } });
              w.once('message', resolve);
              w.once('error', reject);
            }),
        ),
      );
      expect(codes).toEqual([
        'ERR_FASTMMAP_WORKER_THREAD',
        'ERR_FASTMMAP_WORKER_THREAD',
        'ERR_FASTMMAP_WORKER_THREAD',
      ]);
    }
    expect(main.get('counter')).toBe(7);
  });
});
