// Kill -9 storm: writers are SIGKILLed over and over (by the test, and by crash points inside
// the cache that make torn writes certain) and restarted, while readers validate every value
// against the writers' acknowledgement logs. Then a fresh process checks the final state.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../src/cache/index.js';
import { readAckLines } from './fixtures/shared/ack-log.mjs';
import { createRandom, seedFromEnv } from './fixtures/shared/random.mjs';
import {
  checkCounter,
  checkOwnKey,
  type FinalValue,
  historyFromLogs,
} from './helpers/final-state.js';
import {
  type ChildResult,
  describeResult,
  expectOk,
  jsonLines,
  type RunningChild,
  runFixture,
  startFixture,
} from './helpers/run-child.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

/** The storm lasts STORM_MS, and longer (up to MAX_STORM_MS) until it has MIN_KILLS kills. */
const STORM_MS = 5000;
const MAX_STORM_MS = 20_000;
const MIN_KILLS = 20;
const SLOTS = 3;
const READERS = 2;
const KEYS_PER_SLOT = 48;
const COUNTERS = 6;
/** Crash points a set or getAndSet can reach (compaction happens: values churn in small pages). */
const STORM_CRASH_POINTS = [
  'write:after-marker',
  'write:mid-record',
  'write:before-commit',
  'compact:after-spare',
  'compact:mid',
  'compact:before-commit',
  'repair:mid',
];
/** Points that leave a page torn (marker set) for the next locker to repair. */
const TEARING_POINTS = new Set(['write:after-marker', 'write:mid-record', 'write:before-commit']);
// 32 pages of 16 KiB: the ~100 KiB working set (~3 KiB a page, ~7 KiB on the fullest) leaves
// room for any page (no eviction, so a miss is never excused by LRU), yet overwrites fill pages
// quickly, so compaction runs all the time.
const CACHE_OPTIONS = { pageSize: 16384, numPages: 32, lockStripes: 4, lockTimeout: 3000 };

interface WriterSlot {
  child?: RunningChild;
  gen: number;
  armed?: string;
  ready: boolean;
  killedByTest: boolean;
}

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTempDir(dir));

describe('kill -9 storm', () => {
  it(
    'loses no acknowledged write, never returns a wrong value, never waits long for a lock',
    async () => {
      const seed = seedFromEnv();
      console.log(`kill-storm seed=${seed} (replay: FASTMMAP_TEST_SEED=${seed})`);
      const rnd = createRandom(seed);
      const path = join(dir, 'storm.fmcache');
      const stopFile = join(dir, 'stop');
      const logs = Array.from({ length: SLOTS }, (_, s) => join(dir, `writer-${s}.log`));
      const problems: string[] = [];
      const counts = { testKills: 0, crashPointDeaths: 0, tearingDeaths: 0, starts: 0 };
      const pending: Promise<unknown>[] = [];
      let storming = true;

      // Create the file up front, so the storm is about writes, not about the creation race.
      expectOk(
        await runFixture(
          'dump-cache.mjs',
          [JSON.stringify({ path, keys: [], cacheOptions: CACHE_OPTIONS })],
          {
            timeoutMs: 20_000,
          },
        ),
        'create',
      );

      const slots: WriterSlot[] = Array.from({ length: SLOTS }, () => ({
        gen: 0,
        ready: false,
        killedByTest: false,
      }));
      const startWriter = (s: number) => {
        const slot = slots[s]!;
        slot.gen++;
        counts.starts++;
        // Each slot's first restart, and a third of the later ones, dies at a crash point.
        const arm = slot.gen === 2 || (slot.gen > 2 && rnd.chance(0.33));
        slot.armed = arm ? `${rnd.pick(STORM_CRASH_POINTS)}:${rnd.between(1, 30)}` : undefined;
        if (slot.gen === 2) slot.armed = `${rnd.pick([...TEARING_POINTS])}:${rnd.between(1, 30)}`;
        slot.ready = false;
        slot.killedByTest = false;
        const cfg = {
          path,
          log: logs[s],
          slot: s,
          gen: slot.gen,
          seed: (seed + s * 7919 + slot.gen * 104_729) >>> 0,
          keysPerSlot: KEYS_PER_SLOT,
          counters: COUNTERS,
          minSize: 40,
          maxSize: 1200,
          stopFile,
          cacheOptions: CACHE_OPTIONS,
        };
        const child = startFixture('storm-writer.mjs', [JSON.stringify(cfg)], {
          env: { FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_CRASHPOINT: slot.armed },
          timeoutMs: MAX_STORM_MS + 20_000,
        });
        slot.child = child;
        child
          .waitForLine((l) => l === 'started')
          .then(
            () => {
              if (slot.child === child) slot.ready = true;
            },
            () => {},
          );
        const armedAs = slot.armed;
        const finished = child.result.then((r: ChildResult) => {
          const byTest = slot.child === child && slot.killedByTest;
          if (r.outcome === 'killed' && byTest) counts.testKills++;
          else if (r.outcome === 'killed' && armedAs !== undefined) {
            counts.crashPointDeaths++;
            if (TEARING_POINTS.has(armedAs.slice(0, armedAs.lastIndexOf(':'))))
              counts.tearingDeaths++;
          } else if (r.outcome !== 'ok' || storming) {
            problems.push(
              `writer ${s} gen ${cfg.gen} (crash point ${armedAs ?? 'none'}): ${describeResult(r)}`,
            );
          }
          if (storming && slot.child === child) startWriter(s);
          return r;
        });
        pending.push(finished);
      };

      const readers = Array.from({ length: READERS }, (_, i) =>
        startFixture(
          'storm-reader.mjs',
          [
            JSON.stringify({
              path,
              logs,
              stopFile,
              seed: (seed + 1_000_003 * (i + 1)) >>> 0,
              keysPerSlot: KEYS_PER_SLOT,
              counters: COUNTERS,
              cacheOptions: CACHE_OPTIONS,
            }),
          ],
          { timeoutMs: MAX_STORM_MS + 20_000 },
        ),
      );
      for (let s = 0; s < SLOTS; s++) startWriter(s);

      const stormStart = performance.now();
      let killsSent = 0;
      const enough = () => killsSent >= MIN_KILLS && counts.tearingDeaths >= 1;
      for (;;) {
        const elapsed = performance.now() - stormStart;
        if (elapsed >= MAX_STORM_MS || (elapsed >= STORM_MS && enough())) break;
        await new Promise((r) => setTimeout(r, rnd.between(20, 150)));
        const victims = slots.filter((w) => w.ready && !w.killedByTest);
        if (victims.length === 0) continue;
        const victim = rnd.pick(victims);
        // 'K' first: readers then know this writer's in-flight write may be left half done.
        appendFileSync(logs[slots.indexOf(victim)]!, 'K\n');
        victim.killedByTest = true;
        victim.child!.kill();
        killsSent++;
      }
      storming = false;
      writeFileSync(stopFile, '');
      const readerResults = await Promise.all(readers.map((r) => r.result));
      // Restarts can still be queued when the storm ends; wait until every writer has finished.
      for (let done = 0; done < pending.length; ) {
        const batch = pending.slice(done);
        await Promise.all(batch);
        done += batch.length;
      }
      // A writer that died as the storm ended was not restarted, so no restart line turned its
      // last intent into a killed write (one that may have landed, or not). Every writer has
      // exited now: count the end as their restart, as crash-points.test.ts does after a crash.
      for (const log of logs) appendFileSync(log, 'S end-of-storm 0\n');

      const readerReports = readerResults.map((r, i) => {
        expectOk(r, `reader ${i}`);
        return jsonLines<{
          reads: number;
          hits: number;
          wrong: number;
          stale: number;
          lost: number;
          excused: number;
          maxCallMs: number;
          examples: unknown[];
          slowCalls: string[];
        }>(r.stdout)[0]!;
      });

      const history = historyFromLogs(logs);
      const ownKeys = Array.from(
        { length: SLOTS * KEYS_PER_SLOT },
        (_, i) => `w${Math.floor(i / KEYS_PER_SLOT)}:${i % KEYS_PER_SLOT}`,
      );
      const counterKeys = Array.from({ length: COUNTERS }, (_, i) => `ctr:${i}`);
      const dumped = expectOk(
        await runFixture(
          'dump-cache.mjs',
          [
            JSON.stringify({
              path,
              keys: [...ownKeys, ...counterKeys],
              cacheOptions: CACHE_OPTIONS,
            }),
          ],
          {
            timeoutMs: 20_000,
          },
        ),
        'final dump',
      );
      const dump = jsonLines<{
        statsAtOpen: { repairedPages: number; evictions: number };
        statsAfterPurge: {
          repairedPages: number;
          evictions: number;
          droppedCorruptRecords: number;
        };
        values: Record<string, FinalValue>;
        listed: string[];
        usability: string[];
        verify: VerifyReport;
      }>(dumped.stdout)[0]!;

      const maxLockWaitMs = Math.max(history.maxCallMs(), ...readerReports.map((r) => r.maxCallMs));
      const summary = {
        seed,
        ...counts,
        reads: readerReports.reduce((n, r) => n + r.reads, 0),
        readHits: readerReports.reduce((n, r) => n + r.hits, 0),
        excusedStaleReads: readerReports.reduce((n, r) => n + r.excused, 0),
        maxCacheCallMs: Math.round(maxLockWaitMs),
        slowestWriterCalls: logs
          .flatMap((log) => readAckLines(log).filter((f) => f[0] === 'M'))
          .sort((a, b) => Number(b[1]) - Number(a[1]))
          .slice(0, 3)
          .map((f) => f.slice(1).join(' ')),
        slowestReaderCalls: readerReports.flatMap((r) => r.slowCalls),
        repairedPages: dump.statsAfterPurge.repairedPages,
        droppedCorruptRecords: dump.statsAfterPurge.droppedCorruptRecords,
      };
      console.log(`kill-storm summary ${JSON.stringify(summary)}`);

      const finalProblems = [
        ...ownKeys.map((k) => checkOwnKey(history, k, dump.values[k] ?? null)),
        ...counterKeys.map((k) => checkCounter(history, k, dump.values[k] ?? null)),
      ].filter((p) => p !== undefined);
      const known = new Set([...ownKeys, ...counterKeys]);
      // Everything that must be empty or zero, in one comparison so a failure shows all of it.
      expect({
        childFailures: problems,
        readers: readerReports.map((r) => ({
          wrong: r.wrong,
          stale: r.stale,
          lost: r.lost,
          examples: r.examples,
        })),
        writersSawWrong: history.writerSawWrong(),
        // Final state: nothing acknowledged was lost, and no eviction could excuse a miss.
        finalProblems,
        evictions: dump.statsAfterPurge.evictions,
        unknownKeys: dump.listed.filter((k) => !known.has(k)),
        usability: dump.usability,
        verify: dump.verify,
      }).toEqual({
        childFailures: [],
        readers: readerReports.map(() => ({ wrong: 0, stale: 0, lost: 0, examples: [] })),
        writersSawWrong: [],
        finalProblems: [],
        evictions: 0,
        unknownKeys: [],
        usability: [],
        verify: expect.objectContaining({ ok: true, badRecords: 0, tornPages: 0, badPages: 0 }),
      });
      // Every cache call (lock wait included) finished within a second, even right after kills.
      expect(maxLockWaitMs).toBeLessThan(1000);
      // The storm must have been a storm: enough kills of both kinds, and reads that hit.
      expect(counts.testKills).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(counts.tearingDeaths).toBeGreaterThanOrEqual(1);
      expect(summary.readHits).toBeGreaterThan(1000);
      // Writers that died at a tearing crash point left torn pages; lockers repaired and counted them.
      expect(dump.statsAfterPurge.repairedPages).toBeGreaterThanOrEqual(1);
    },
    MAX_STORM_MS + 60_000,
  );
});

describe('the storm harness can fail', () => {
  it('with page locking switched off (FASTMMAP_TEST_NO_LOCK), concurrent increments are lost and the check sees it', async () => {
    const path = join(dir, 'nolock.fmcache');
    const stopFile = join(dir, 'stop');
    const logs = [0, 1].map((s) => join(dir, `writer-${s}.log`));
    const writers = logs.map((log, slot) =>
      startFixture(
        'storm-writer.mjs',
        [
          JSON.stringify({
            path,
            log,
            slot,
            gen: 1,
            seed: 1 + slot,
            keysPerSlot: 1,
            counters: 1,
            counterShare: 1,
            minSize: 40,
            maxSize: 40,
            stopFile,
            cacheOptions: CACHE_OPTIONS,
          }),
        ],
        { env: { FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_NO_LOCK: '1' }, timeoutMs: 30_000 },
      ),
    );
    await Promise.all(writers.map((w) => w.waitForLine((l) => l === 'started')));
    await new Promise((r) => setTimeout(r, 1500));
    writeFileSync(stopFile, '');
    const results = await Promise.all(writers.map((w) => w.result));
    // Unlocked writers may also trip over each other's half-written pages and throw; only a
    // crash or a hang would be a harness problem.
    for (const r of results) expect(['ok', 'failed'], describeResult(r)).toContain(r.outcome);
    const dumped = expectOk(
      await runFixture(
        'dump-cache.mjs',
        [JSON.stringify({ path, keys: ['ctr:0'], cacheOptions: CACHE_OPTIONS })],
        {
          timeoutMs: 20_000,
        },
      ),
      'dump',
    );
    const value =
      jsonLines<{ values: Record<string, FinalValue> }>(dumped.stdout)[0]!.values['ctr:0'] ?? null;
    const history = historyFromLogs(logs);
    console.log(
      `no-lock control: counter ${value}, ${history.ackCount('ctr:0')} acknowledged increments`,
    );
    expect(checkCounter(history, 'ctr:0', value)).toMatch(/expected/);
  }, 60_000);
});
