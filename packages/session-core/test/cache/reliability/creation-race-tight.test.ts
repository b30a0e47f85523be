// Workers of a cluster open the same missing file at once on a filesystem that holds the file
// once but not once per worker (Docker's 64 MiB /dev/shm and the default 33 MiB session file
// with two workers). Every one of them must open the one file: the room for a single file is
// all that is needed, and "no space" would be false (and stop the cluster at its first start).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeResult, FIXTURES, jsonLines, startCommand } from './helpers/run-child.js';
import { canMountTmpfs, makeTempDir, PRIVATE_MOUNTS, removeTempDir } from './helpers/temp-dir.js';

const OPENERS = 4;
const ROUNDS = 5;

interface Report {
  results: { ok: boolean; code?: string; message?: string; creationId?: string; ino?: number }[];
  files: string[];
}

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTempDir(dir));

describe('creation race on a filesystem with room for one file', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: ${OPENERS} processes all open the one file`, async () => {
      // As for the disk-full tests: CI runs as root, where a private tmpfs can be mounted.
      expect(
        canMountTmpfs(dir),
        'this test needs a private mount namespace (unshare) and mount: root',
      ).toBe(true);
      const script =
        'mount -t tmpfs -o size=40m,mode=0700 tmpfs "$1" && exec "$2" "$3" parent "$1" "$4"';
      const r = await startCommand(
        'unshare',
        [
          PRIVATE_MOUNTS,
          'sh',
          '-c',
          script,
          'sh',
          dir,
          process.execPath,
          join(FIXTURES, 'create-race-tight-child.mjs'),
          String(OPENERS),
        ],
        { timeoutMs: 30_000 },
      ).result;
      expect(r.outcome, describeResult(r)).toBe('ok');
      const report = jsonLines<Report>(r.stdout)[0]!;
      const failures = report.results.filter((x) => !x.ok).map((x) => `${x.code}: ${x.message}`);
      expect(failures).toEqual([]);
      expect(new Set(report.results.map((x) => `${x.ino}/${x.creationId}`)).size).toBe(1);
      // The file alone: no temp file of a creator left behind.
      expect(report.files).toEqual(['app.fmcache']);
    });
  }
});
