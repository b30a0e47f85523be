// Deterministic crash points: a writer is killed at every labelled step of set, delete,
// compaction, repair and file creation (hit 1 and hit 3). Afterwards only the interrupted
// operation may be undone or half-visible: every other key holds its acknowledged value, the
// torn page is repaired and counted, and the cache works.
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../../../dist/cache/test-hooks.js';
import { seedFromEnv } from './fixtures/shared/random.mjs';
import { checkOwnKey, type FinalValue, historyFromLogs } from './helpers/final-state.js';
import { describeResult, expectOk, jsonLines, runFixture } from './helpers/run-child.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

// Two 8 KiB pages, one lock stripe: 8 keys of 100-900 bytes fill a page after a few overwrites,
// so compaction runs every few dozen sets, and there is never a reason to evict.
const CACHE_OPTIONS = { pageSize: 8192, numPages: 2, lockStripes: 1 };
const KEYS = 8;
const KEY_NAMES = Array.from({ length: KEYS }, (_, i) => `k${i}`);
const HOOK_ENV = { FASTMMAP_TEST_HOOKS: '1' };
const OP_POINTS = [
  'write:after-marker',
  'write:mid-record',
  'write:before-commit',
  'delete:after-marker',
  'compact:after-spare',
  'compact:mid',
  'compact:before-commit',
];

interface Dump {
  statsAtOpen: { repairedPages: number };
  statsAfterPurge: { repairedPages: number; evictions: number };
  values: Record<string, FinalValue>;
  listed: string[];
  usability: string[];
  verify: { ok: boolean; badRecords: number; tornPages: number; badPages: number };
}

let root: string;
const seed = seedFromEnv();
beforeAll(async () => {
  root = makeTempDir();
  console.log(`crash-points seed=${seed} (replay: FASTMMAP_TEST_SEED=${seed})`);
  // One seeded cache (every key written once), copied into each case: one Node start-up less per case.
  expectOk(await child(caseDir('seeded'), 'seed'), 'seed');
}, 30_000);

/** A case directory holding a copy of the seeded cache and its log. */
function seededCase(name: string): string {
  const dir = caseDir(name);
  for (const f of ['c.fmcache', 'ops.log']) copyFileSync(join(root, 'seeded', f), join(dir, f));
  chmodSync(join(dir, 'c.fmcache'), 0o600);
  return dir;
}
afterAll(() => removeTempDir(root));

function caseDir(name: string): string {
  const dir = join(root, name.replaceAll(':', '_'));
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

async function child(dir: string, phase: string, env: Record<string, string> = {}, maxOps = 3000) {
  const cfg = {
    path: join(dir, 'c.fmcache'),
    log: join(dir, 'ops.log'),
    phase,
    seed,
    keys: KEYS,
    maxOps,
    cacheOptions: CACHE_OPTIONS,
  };
  return runFixture('crash-point-child.mjs', [JSON.stringify(cfg)], {
    env: { ...HOOK_ENV, ...env },
    timeoutMs: 20_000,
  });
}

/** Runs the script armed with `point`; it must die by SIGKILL at that point. */
async function crashAt(dir: string, point: string) {
  const r = await child(dir, 'run', { FASTMMAP_TEST_CRASHPOINT: point });
  if (r.outcome !== 'killed')
    throw new Error(`expected death at ${point}, got ${describeResult(r)}`);
  // The next process to use the log counts as a restart: the pending intent was killed.
  appendFileSync(join(dir, 'ops.log'), `S test ${point}\n`);
}

async function dump(dir: string): Promise<Dump> {
  const r = expectOk(
    await runFixture(
      'dump-cache.mjs',
      [
        JSON.stringify({
          path: join(dir, 'c.fmcache'),
          keys: KEY_NAMES,
          cacheOptions: CACHE_OPTIONS,
        }),
      ],
      {
        env: HOOK_ENV,
        timeoutMs: 20_000,
      },
    ),
    'dump after crash',
  );
  return jsonLines<Dump>(r.stdout)[0]!;
}

function expectOnlyTheInterruptedOpAffected(dir: string, d: Dump) {
  const history = historyFromLogs([join(dir, 'ops.log')]);
  const problems = KEY_NAMES.map((k) => checkOwnKey(history, k, d.values[k] ?? null)).filter(
    (p) => p !== undefined,
  );
  expect(problems).toEqual([]);
  expect(d.listed.filter((k) => !KEY_NAMES.includes(k))).toEqual([]);
  expect(d.statsAfterPurge.evictions).toBe(0);
  expect(d.usability).toEqual([]);
  expect(d.verify).toMatchObject({ ok: true, badRecords: 0, tornPages: 0, badPages: 0 });
}

describe('deterministic crash points', () => {
  it('covers every crash point the library has', () => {
    // touch:mid-record, clear:mid and purge:mid are reached by crash-recovery.test.ts (this
    // script does none of these).
    const elsewhere = ['touch:mid-record', 'clear:mid', 'purge:mid'];
    expect([...OP_POINTS, 'repair:mid', 'create:after-fill', ...elsewhere].sort()).toEqual(
      [...CRASH_POINTS].sort(),
    );
  });

  for (const point of OP_POINTS) {
    for (const hit of [1, 3]) {
      it(`killed at ${point} (hit ${hit}): repaired, counted, nothing else lost`, async () => {
        const dir = seededCase(`${point}-${hit}`);
        await crashAt(dir, `${point}:${hit}`);
        const d = await dump(dir);
        expectOnlyTheInterruptedOpAffected(dir, d);
        expect(d.statsAfterPurge.repairedPages).toBeGreaterThanOrEqual(1);
      });
    }
  }

  it('killed again while repairing a compaction (repair:mid): the next locker redoes it', async () => {
    const dir = seededCase('repair-mid');
    await crashAt(dir, 'compact:mid:1');
    await crashAt(dir, 'repair:mid:1');
    const d = await dump(dir);
    expectOnlyTheInterruptedOpAffected(dir, d);
    expect(d.statsAfterPurge.repairedPages).toBeGreaterThanOrEqual(1);
  });

  it('killed while creating the file (create:after-fill): no file at the path, the next open creates it', async () => {
    const dir = caseDir('create');
    const r = await child(dir, 'seed', { FASTMMAP_TEST_CRASHPOINT: 'create:after-fill:1' });
    expect(r.outcome, describeResult(r)).toBe('killed');
    expect(existsSync(join(dir, 'c.fmcache'))).toBe(false);
    appendFileSync(join(dir, 'ops.log'), 'S test create\n');
    expectOk(await child(dir, 'seed'), 'create after the crashed creation');
    const d = await dump(dir);
    expectOnlyTheInterruptedOpAffected(dir, d);
    expect(Object.values(d.values).every((v) => v === 1)).toBe(true);
    // The killed creator's temp file is gone: the next creator removes temp files whose pid
    // no longer runs.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
