// Random byte flips in the pages of a cache file nobody is writing (seeded). Then every way of
// using it: never a crash or hang, never a wrong value (a value is either correct or missing),
// corrupt records dropped and counted, the cache still takes and returns new values.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, seedFromEnv } from './fixtures/shared/random.mjs';
import {
  type Effect,
  geometryOf,
  H_SPARES,
  HEADER_SIZE,
  liveRecords,
  recordRegions,
  SPARE_DESC_SIZE,
} from './helpers/cache-layout.js';
import { describeResult, expectOk, jsonLines, runFixture } from './helpers/run-child.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

const ITERATIONS = 240;
const PROBES = 4;
const KEYS = 60;
const CACHE_OPTIONS = { pageSize: 8192, numPages: 6, lockStripes: 2 };

interface Mutation {
  i: number;
  path: string;
  what: string;
  /** For flips aimed at one record: its key and what must follow. */
  target?: { key: string; effect: Effect };
}

interface ProbeResult {
  i: number;
  openError?: string;
  wrong: string[];
  errors: string[];
  missing: { first: string[]; again: string[] };
  droppedAtOpen: number;
  droppedAfterGets: number;
  badRecordsAfterGets: number;
  unknownListed?: string[];
  repairedPages: number;
  droppedAtEnd: number;
}

let dir: string;
const seed = seedFromEnv();
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeTempDir(dir));

function flip(file: Buffer, at: number, rnd: ReturnType<typeof createRandom>) {
  file[at] = file[at]! ^ rnd.between(1, 255);
}

/** One damaged copy of the seed file: aimed at a live record (40 %) or anywhere in the pages. */
function mutate(seedFile: Buffer, i: number, rnd: ReturnType<typeof createRandom>): Mutation {
  const file = Buffer.from(seedFile);
  const g = geometryOf(file);
  const pagesEnd = HEADER_SIZE + (g.numPages + g.stripes) * g.pageSize;
  const path = join(dir, `flip-${i}.fmcache`);
  let m: Omit<Mutation, 'i' | 'path'>;
  const roll = rnd.next();
  if (roll < 0.4) {
    const record = rnd.pick(liveRecords(file));
    const region = rnd.pick(recordRegions(record).filter((r) => r.to > r.from));
    const at = rnd.between(region.from, region.to - 1);
    flip(file, at, rnd);
    m = { what: `flip in ${record.key}.${region.name} at ${at}`, target: { key: record.key, effect: region.effect } };
  } else if (roll < 0.75) {
    const n = rnd.chance(0.1) ? 2 : 1;
    const spots = Array.from({ length: n }, () =>
      rnd.chance(0.05) ? rnd.between(H_SPARES, H_SPARES + g.stripes * SPARE_DESC_SIZE - 1) : rnd.between(HEADER_SIZE, pagesEnd - 1),
    );
    for (const at of spots) flip(file, at, rnd);
    m = { what: `flip at ${spots.join(', ')}` };
  } else {
    const len = rnd.between(4, 64);
    const at = rnd.between(HEADER_SIZE, pagesEnd - len);
    const fill = rnd.pick(['random', 'zeros', 'ones']);
    for (let j = at; j < at + len; j++) file[j] = fill === 'random' ? rnd.int(256) : fill === 'zeros' ? 0 : 0xff;
    m = { what: `${len} bytes of ${fill} at ${at}` };
  }
  writeFileSync(path, file, { mode: 0o600 });
  return { i, path, ...m };
}

describe('random byte flips in pages', () => {
  it(`${ITERATIONS} damaged copies: no crash, no hang, no wrong value, corruption dropped and counted`, async () => {
    console.log(`byte-flips seed=${seed} (replay: FASTMMAP_TEST_SEED=${seed})`);
    const rnd = createRandom(seed);
    const seedPath = join(dir, 'seed.fmcache');
    const built = expectOk(
      await runFixture('flip-seed.mjs', [JSON.stringify({ path: seedPath, seed, keys: KEYS, cacheOptions: CACHE_OPTIONS })], {
        timeoutMs: 20_000,
      }),
      'seed file',
    );
    const seeded = jsonLines<{ expected: Record<string, number | null>; evictions: number; verify?: { ok: boolean } }>(
      built.stdout,
    )[0]!;
    expect(seeded.evictions).toBe(0);
    expect(seeded.verify?.ok).toBe(true);
    const seedFile = readFileSync(seedPath);

    const mutations = Array.from({ length: ITERATIONS }, (_, i) => mutate(seedFile, i, rnd));
    const groups = Array.from({ length: PROBES }, (_, p) => mutations.filter((m) => m.i % PROBES === p));
    const runs = await Promise.all(
      groups.map((group) =>
        runFixture(
          'flip-probe.mjs',
          [JSON.stringify({ files: group.map((m) => ({ i: m.i, path: m.path })), expected: seeded.expected, cacheOptions: CACHE_OPTIONS })],
          { timeoutMs: 60_000 },
        ),
      ),
    );

    const problems: string[] = [];
    const tally = { targeted: 0, dropped: 0, unreachable: 0, repairedPages: 0, openErrors: 0 };
    runs.forEach((run, p) => {
      if (run.outcome !== 'ok') {
        // Name the file that was being probed, and keep a copy for replay.
        const begun = run.stdout.match(/^BEGIN (\d+)$/gm)?.pop()?.split(' ')[1];
        const m = begun === undefined ? undefined : mutations[Number(begun)];
        const kept = m && join(dir, '..', `fmm-rel-flip-failure-${seed}-${m.i}.fmcache`);
        if (m && kept) copyFileSync(m.path, kept);
        problems.push(`probe ${p} on iteration ${begun} (${m?.what}, copy kept at ${kept}): ${describeResult(run)}`);
      }
      for (const r of jsonLines<ProbeResult>(run.stdout)) {
        const m = mutations[r.i]!;
        const where = `iteration ${r.i} (${m.what})`;
        if (r.openError !== undefined) {
          // Only the file header makes open refuse, and flips never touch it.
          problems.push(`${where}: open failed with ${r.openError}`);
          tally.openErrors++;
          continue;
        }
        for (const w of r.wrong) problems.push(`${where}: WRONG VALUE ${w}`);
        for (const e of r.errors) problems.push(`${where}: threw ${e}`);
        if ((r.unknownListed ?? []).length > 0) problems.push(`${where}: keys() listed ${JSON.stringify(r.unknownListed)}`);
        tally.repairedPages += r.repairedPages;
        if (m.target === undefined) continue;
        tally.targeted++;
        const { key, effect } = m.target;
        const missed = r.missing.first.includes(key);
        if (effect === 'harmless') {
          if (missed) problems.push(`${where}: ${key} went missing after a flip outside its checksum`);
        } else if (!missed) {
          problems.push(`${where}: ${key} was still returned after its record was damaged`);
        } else if (effect === 'dropped') {
          tally.dropped++;
          if (!(r.droppedAfterGets > r.droppedAtOpen)) problems.push(`${where}: the damaged record of ${key} was not counted as dropped`);
        } else {
          tally.unreachable++;
          if (!(r.badRecordsAfterGets >= 1)) problems.push(`${where}: verify() did not report the damaged record of ${key}`);
        }
      }
    });
    console.log(`byte-flips tally ${JSON.stringify(tally)}`);
    expect(problems, problems.slice(0, 30).join('\n')).toEqual([]);
    expect(runs.flatMap((r) => jsonLines(r.stdout))).toHaveLength(ITERATIONS);
    // The aimed flips must have exercised both detection paths.
    expect(tally.dropped).toBeGreaterThan(10);
    expect(tally.unreachable).toBeGreaterThan(5);
  }, 120_000);
});
