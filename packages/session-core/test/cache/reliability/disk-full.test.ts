// Disk full. A 1 MiB tmpfs in a private mount namespace (`unshare`, we are root in CI), or,
// where that is not allowed, a 1 MiB file size limit (RLIMIT_FSIZE via prlimit). The variant that
// ran is printed; neither is ever skipped silently: the RLIMIT_FSIZE variant always runs too.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeResult, FIXTURES, jsonLines, startCommand } from './helpers/run-child.js';
import { canMountTmpfs, makeTempDir, PRIVATE_MOUNTS, removeTempDir } from './helpers/temp-dir.js';

const CHILD = join(FIXTURES, 'disk-full-child.mjs');
const LIMIT = 1024 * 1024;

interface DiskFullReport {
  variant: string;
  freeBytesAtStart: number;
  big: { code?: string; opened?: boolean; message?: string };
  entriesAfterBig: string[];
  filled: number;
  fillError?: string;
  freeBytesAfterFill: number;
  afterFull: { sets: number; found: number; keys: number; problems: string[] };
}

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeTempDir(dir));

async function run(variant: 'tmpfs' | 'rlimit'): Promise<DiskFullReport> {
  const [command, args] =
    variant === 'tmpfs'
      ? [
          'unshare',
          [
            PRIVATE_MOUNTS,
            'sh',
            '-c',
            'mount -t tmpfs -o size=$1,mode=0700 tmpfs "$2" && exec "$3" "$4" "$2" tmpfs',
            'sh',
            String(LIMIT),
            dir,
            process.execPath,
            CHILD,
          ],
        ]
      : ['prlimit', [`--fsize=${LIMIT}`, process.execPath, CHILD, dir, 'rlimit']];
  const r = await startCommand(command, args as string[], { timeoutMs: 30_000 }).result;
  // A SIGBUS here is exactly the failure this test exists for (a sparse mapping on a full disk).
  if (r.outcome !== 'ok') throw new Error(`${variant} child: ${describeResult(r)}`);
  return jsonLines<DiskFullReport>(r.stdout)[0]!;
}

function expectCleanFailureAndWorkingCache(report: DiskFullReport) {
  // (a) Creating a cache larger than the space: typed error, nothing left behind.
  expect(report.big.code, report.big.message).toBe('ERR_FASTMMAP_NO_SPACE');
  expect(report.entriesAfterBig.filter((f) => f.includes('big.fmcache'))).toEqual([]);
  // (b) The space really ran out, and the cache made before that still works.
  expect(['ENOSPC', 'EFBIG']).toContain(report.fillError);
  expect(report.afterFull.problems).toEqual([]);
  expect(report.afterFull.sets).toBe(3000);
  expect(report.afterFull.found).toBeGreaterThan(report.afterFull.keys / 2);
}

interface NoInodesReport {
  cache: { code?: string; causeCode?: string; message?: string };
  store: { name?: string; code?: string; causeCode?: string; message?: string };
  files: string[];
}

/** A tmpfs with 2 inodes: its root and the creation lock; the cache file gets none. */
async function runWithoutInodes(): Promise<NoInodesReport> {
  const script =
    'mount -t tmpfs -o size=1m,nr_inodes=2,mode=0700 tmpfs "$1" && exec "$2" "$3" "$1"';
  const child = join(FIXTURES, 'no-inodes-child.mjs');
  const r = await startCommand(
    'unshare',
    [PRIVATE_MOUNTS, 'sh', '-c', script, 'sh', dir, process.execPath, child],
    { timeoutMs: 30_000 },
  ).result;
  if (r.outcome !== 'ok') throw new Error(`no-inodes child: ${describeResult(r)}`);
  return jsonLines<NoInodesReport>(r.stdout)[0]!;
}

describe('disk full', () => {
  it('a full filesystem: typed error at creation, no partial file, existing cache keeps working', async () => {
    const variant = canMountTmpfs(dir) ? 'tmpfs' : 'rlimit';
    console.log(
      `disk-full: ran the ${variant === 'tmpfs' ? `1 MiB tmpfs (unshare ${PRIVATE_MOUNTS})` : 'RLIMIT_FSIZE fallback (unshare not permitted)'} variant`,
    );
    const report = await run(variant);
    console.log(
      `disk-full ${variant}: ${JSON.stringify({ ...report, entriesAfterBig: report.entriesAfterBig.length })}`,
    );
    expectCleanFailureAndWorkingCache(report);
    if (variant === 'tmpfs') expect(report.freeBytesAfterFill).toBe(0);
  });

  it('out of inodes for the cache file: ERR_FASTMMAP_NO_SPACE, and a SessionError from a store', async () => {
    // No fallback: RLIMIT_FSIZE does not limit inodes. CI runs as root, where this works.
    expect(
      canMountTmpfs(dir),
      'this test needs a private mount namespace (unshare) and mount: root',
    ).toBe(true);
    const report = await runWithoutInodes();
    expect(report.cache, report.cache.message).toMatchObject({
      code: 'ERR_FASTMMAP_NO_SPACE',
      causeCode: 'ENOSPC',
    });
    expect(report.store, report.store.message).toMatchObject({
      name: 'SessionError',
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      causeCode: 'ERR_FASTMMAP_NO_SPACE',
    });
    // Nothing is left: no cache file, no temp file, no creation lock.
    expect(report.files).toEqual([]);
  });

  it('a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored): the same guarantees', async () => {
    const report = await run('rlimit');
    expectCleanFailureAndWorkingCache(report);
    expect(report.fillError).toBe('EFBIG');
  });
});
