// Eight processes released by a barrier create the same missing file at once: exactly one file
// results, everyone maps that same file (same inode, same creation id), every process sees the
// others' writes, and no temp file is left behind.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeResult, jsonLines, startFixture } from './helpers/run-child.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

const PROCESSES = 8;
const ROUNDS = 3;
// 4 MiB: zero-filling takes a few ms, so creators really overlap.
const CACHE_OPTIONS = { pageSize: 65536, numPages: 64, lockStripes: 4 };

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTempDir(dir));

describe('creation race', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: ${PROCESSES} processes create one file and share it`, async () => {
      const path = join(dir, 'race.fmcache');
      const children = Array.from({ length: PROCESSES }, (_, index) =>
        startFixture(
          'create-race-child.mjs',
          [JSON.stringify({ path, index, count: PROCESSES, cacheOptions: CACHE_OPTIONS })],
          { timeoutMs: 30_000 },
        ),
      );
      const failFast = Promise.all(children.map((c) => c.result)).then((rs) => {
        throw new Error(rs.map((r) => describeResult(r)).join('\n\n'));
      });
      const race = <T>(p: Promise<T>) => Promise.race([p, failFast]);
      await race(Promise.all(children.map((c) => c.waitForLine((l) => l === 'ready'))));
      for (const c of children) c.send('go');
      const opened = await race(
        Promise.all(children.map((c) => c.waitForLine((l) => l.startsWith('{"opened"')))),
      );
      for (const c of children) c.send('check');
      const results = await Promise.all(children.map((c) => c.result));
      for (const r of results) expect(r.outcome, describeResult(r)).toBe('ok');

      const reports = opened.map(
        (l) => JSON.parse(l) as { foundMissing: boolean; ino: number; creationId: string },
      );
      // How many really raced (found no file and so tried to create one); timing decides, so it is only printed.
      console.log(
        `round ${round}: ${reports.filter((o) => o.foundMissing).length} of ${PROCESSES} found the file missing`,
      );
      expect(new Set(reports.map((o) => `${o.ino}/${o.creationId}`)).size).toBe(1);
      const everyone = Array.from({ length: PROCESSES }, (_, j) => j);
      for (const r of results)
        expect(jsonLines<{ seen: number[] }>(r.stdout).at(-1)?.seen).toEqual(everyone);
      // The cache file and its lock files, nothing else (no temp files of the losers).
      const stray = readdirSync(dir).filter(
        (f) => f !== 'race.fmcache' && !/^race\.fmcache\.lock-\d+$/.test(f),
      );
      expect(stray).toEqual([]);
    });
  }
});
