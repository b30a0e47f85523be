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
  P_FREE_DATA,
  P_GEN,
  P_ITEMS,
  P_MAGIC,
  P_NUM_SLOTS,
  recordRegions,
  SPARE_DESC_SIZE,
  slotsOf,
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
  expiredAtOpen: number;
  expiredAfterGets: number;
  badRecordsAfterGets: number;
  unknownListed?: string[];
  repairedPages: number;
  droppedAtEnd: number;
}

let dir: string;
const seed = seedFromEnv();
/** The undamaged file: keys written three times, some deleted; and what each key must hold. */
let seedFile: Buffer;
let expected: Record<string, number | null>;
beforeAll(async () => {
  dir = makeTempDir();
  console.log(`byte-flips seed=${seed} (replay: FASTMMAP_TEST_SEED=${seed})`);
  const seedPath = join(dir, 'seed.fmcache');
  const built = expectOk(
    await runFixture(
      'flip-seed.mjs',
      [JSON.stringify({ path: seedPath, seed, keys: KEYS, cacheOptions: CACHE_OPTIONS })],
      {
        timeoutMs: 20_000,
      },
    ),
    'seed file',
  );
  const seeded = jsonLines<{
    expected: Record<string, number | null>;
    evictions: number;
    verify?: { ok: boolean };
  }>(built.stdout)[0]!;
  expect(seeded.evictions).toBe(0);
  expect(seeded.verify?.ok).toBe(true);
  expected = seeded.expected;
  seedFile = readFileSync(seedPath);
}, 30_000);
afterAll(() => removeTempDir(dir));

/** Probes damaged files in PROBES parallel children; a crashed or hung child names its file. */
async function probe(
  mutations: Mutation[],
): Promise<{ results: ProbeResult[]; problems: string[] }> {
  const groups = Array.from({ length: PROBES }, (_, p) =>
    mutations.filter((_, k) => k % PROBES === p),
  );
  const runs = await Promise.all(
    groups.map((group) =>
      runFixture(
        'flip-probe.mjs',
        [
          JSON.stringify({
            files: group.map((m) => ({ i: m.i, path: m.path })),
            expected,
            cacheOptions: CACHE_OPTIONS,
          }),
        ],
        { timeoutMs: 60_000 },
      ),
    ),
  );
  const problems: string[] = [];
  runs.forEach((run, p) => {
    if (run.outcome === 'ok') return;
    const begun = run.stdout
      .match(/^BEGIN (\d+)$/gm)
      ?.pop()
      ?.split(' ')[1];
    const m = mutations.find((x) => String(x.i) === begun);
    const kept = m && join(dir, '..', `fmm-rel-flip-failure-${seed}-${m.i}.fmcache`);
    if (m && kept) copyFileSync(m.path, kept);
    problems.push(
      `probe ${p} on iteration ${begun} (${m?.what}, copy kept at ${kept}): ${describeResult(run)}`,
    );
  });
  const results = runs.flatMap((r) => jsonLines<ProbeResult>(r.stdout));
  for (const r of results) {
    const where = `iteration ${r.i} (${mutations.find((m) => m.i === r.i)?.what})`;
    // Only the file header makes open refuse, and no damage here touches it.
    if (r.openError !== undefined) problems.push(`${where}: open failed with ${r.openError}`);
    for (const w of r.wrong) problems.push(`${where}: WRONG VALUE ${w}`);
    for (const e of r.errors) problems.push(`${where}: threw ${e}`);
    if ((r.unknownListed ?? []).length > 0)
      problems.push(`${where}: keys() listed ${JSON.stringify(r.unknownListed)}`);
  }
  return { results, problems };
}

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
    m = {
      what: `flip in ${record.key}.${region.name} at ${at}`,
      target: { key: record.key, effect: region.effect },
    };
  } else if (roll < 0.75) {
    const n = rnd.chance(0.1) ? 2 : 1;
    const spots = Array.from({ length: n }, () =>
      rnd.chance(0.05)
        ? rnd.between(H_SPARES, H_SPARES + g.stripes * SPARE_DESC_SIZE - 1)
        : rnd.between(HEADER_SIZE, pagesEnd - 1),
    );
    for (const at of spots) flip(file, at, rnd);
    m = { what: `flip at ${spots.join(', ')}` };
  } else {
    const len = rnd.between(4, 64);
    const at = rnd.between(HEADER_SIZE, pagesEnd - len);
    const fill = rnd.pick(['random', 'zeros', 'ones']);
    for (let j = at; j < at + len; j++)
      file[j] = fill === 'random' ? rnd.int(256) : fill === 'zeros' ? 0 : 0xff;
    m = { what: `${len} bytes of ${fill} at ${at}` };
  }
  writeFileSync(path, file, { mode: 0o600 });
  return { i, path, ...m };
}

describe('random byte flips in pages', () => {
  it(`${ITERATIONS} damaged copies: no crash, no hang, no wrong value, corruption dropped and counted`, async () => {
    const rnd = createRandom(seed);
    const mutations = Array.from({ length: ITERATIONS }, (_, i) => mutate(seedFile, i, rnd));
    const { results, problems } = await probe(mutations);
    const tally = { targeted: 0, dropped: 0, unreachable: 0 };
    for (const r of results) {
      const m = mutations[r.i]!;
      if (m.target === undefined || r.openError !== undefined) continue;
      const where = `iteration ${r.i} (${m.what})`;
      tally.targeted++;
      const { key, effect } = m.target;
      const missed = r.missing.first.includes(key);
      if (effect === 'harmless') {
        if (missed)
          problems.push(`${where}: ${key} went missing after a flip outside its checksum`);
      } else if (!missed) {
        problems.push(`${where}: ${key} was still returned after its record was damaged`);
      } else if (effect === 'dropped') {
        tally.dropped++;
        // purge() (the first call when i % 3 === 2) checks records before their expiry: a
        // damaged expiry counts as damage, not as an expiry.
        if (!(r.droppedAfterGets > r.droppedAtOpen))
          problems.push(`${where}: the damaged record of ${key} was not counted as dropped`);
      } else {
        tally.unreachable++;
        // A get cannot reach it; purge() first (i % 3 === 2) checks every record and drops it,
        // otherwise verify() must report it.
        if (r.i % 3 !== 2 && !(r.badRecordsAfterGets >= 1))
          problems.push(`${where}: verify() did not report the damaged record of ${key}`);
        if (r.i % 3 === 2 && !(r.droppedAfterGets > r.droppedAtOpen && r.badRecordsAfterGets === 0))
          problems.push(`${where}: purge() did not drop the damaged record of ${key}`);
      }
    }
    console.log(`byte-flips tally ${JSON.stringify(tally)}`);
    expect(problems, problems.slice(0, 30).join('\n')).toEqual([]);
    expect(results).toHaveLength(ITERATIONS);
    // The aimed flips must have exercised both detection paths.
    expect(tally.dropped).toBeGreaterThan(10);
    expect(tally.unreachable).toBeGreaterThan(5);
  }, 120_000);

  it('structural damage (fixed regression cases): no crash, no untyped error, no wrong value', async () => {
    const g = geometryOf(seedFile);
    const base = HEADER_SIZE; // page 0
    const slots = slotsOf(seedFile, 0);
    const live = slots.filter((x) => x.value > 1);
    const empty = slots.find((x) => x.value === 0)!;
    const [first, second] = live;
    if (!first || !second) throw new Error('page 0 of the seed file needs two records');
    const cases: [string, (b: Buffer) => void, { noLoss?: boolean }?][] = [
      ['a slot pointing past the end of the file', (b) => b.writeUInt32LE(0xfffffff8, first.at)],
      ['a slot pointing past the page', (b) => b.writeUInt32LE(g.pageSize + 64, first.at)],
      [
        'a slot pointing past the data end',
        (b) => b.writeUInt32LE(b.readUInt32LE(base + P_FREE_DATA) + 64, first.at),
      ],
      ['a misaligned slot', (b) => b.writeUInt32LE(first.value + 4, first.at)],
      [
        'a slot pointing inside another record',
        (b) => b.writeUInt32LE(second.value + 16, first.at),
      ],
      ['two slots pointing at one record', (b) => b.writeUInt32LE(first.value, empty.at)],
      ['a slot count of 0xffffffff', (b) => b.writeUInt32LE(0xffffffff, base + P_NUM_SLOTS)],
      ['a slot count of 3 (not a power of two)', (b) => b.writeUInt32LE(3, base + P_NUM_SLOTS)],
      // Damaged counters or data end, with a sound slot table: the page is rebuilt from its
      // records, not started over, and records appended afterwards stay readable.
      [
        'a data end of 0x7ffffff8',
        (b) => b.writeUInt32LE(0x7ffffff8, base + P_FREE_DATA),
        { noLoss: true },
      ],
      [
        'an unaligned data end',
        (b) => b.writeUInt32LE(b.readUInt32LE(base + P_FREE_DATA) + 51, base + P_FREE_DATA),
        { noLoss: true },
      ],
      [
        'an item count of 0xffffffff',
        (b) => b.writeUInt32LE(0xffffffff, base + P_ITEMS),
        { noLoss: true },
      ],
      ['the page magic zeroed', (b) => b.writeUInt32LE(0, base + P_MAGIC)],
      // A torn marker on an intact page: the repair must keep every record.
      [
        'the write marker left set',
        (b) => b.writeUInt32LE(b.readUInt32LE(base + P_GEN) | 1, base + P_GEN),
        { noLoss: true },
      ],
      // A spare descriptor claiming a pending image for a page that is not torn: must be ignored.
      [
        'a pending spare descriptor for a healthy page',
        (b) => {
          b.writeUInt32LE(1, H_SPARES);
          b.writeUInt32LE(0, H_SPARES + 4);
          b.writeUInt32LE(g.pageSize / 2, H_SPARES + 8);
        },
        { noLoss: true },
      ],
    ];
    // Each case three times: the probe's first call is a get, a keys()/entries() scan or purge()
    // (i % 3), since the first call meets the damage before anything repaired it.
    const caseIndex = (i: number) => Math.floor((i - 10_002) / 3);
    const mutations: Mutation[] = cases.flatMap(([what, damage], k) =>
      [0, 1, 2].map((order) => {
        const b = Buffer.from(seedFile);
        damage(b);
        const i = 10_002 + 3 * k + order;
        const path = join(dir, `structural-${i}.fmcache`);
        writeFileSync(path, b, { mode: 0o600 });
        return { i, path, what: `${what}, first call: ${['get', 'keys()', 'purge()'][order]}` };
      }),
    );
    const { results, problems } = await probe(mutations);
    expect(results).toHaveLength(mutations.length);
    for (const r of results) {
      const [what, , opts] = cases[caseIndex(r.i)]!;
      const lost = [...r.missing.first, ...r.missing.again];
      if (opts?.noLoss && lost.length > 0) problems.push(`${what}: lost ${lost.join(', ')}`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  }, 60_000);
});
