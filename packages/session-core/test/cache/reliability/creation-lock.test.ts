// Creators of a missing cache file take turns through an flock on a file of their own, which
// exists only while one creates. Two ways that lock went wrong on lock file 0:
// - processes still running on a deleted cache file lock its pages through lock file 0, and
//   waited for a newcomer's whole build (past lockTimeout for a large file on a slow disk);
// - a creator that failed removed the lock file it made while another opener waited on it:
//   that opener then held a lock nobody else saw, a newcomer made the file anew and locked it,
//   and both created at once (on a filesystem with room for one file: a false "no space").
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastMmapCache } from '../../../src/cache/index.js';
import { describeResult, jsonLines, type RunningChild, startFixture } from './helpers/run-child.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

const FIXTURE = 'create-lock-handoff-child.mjs';

let dir: string;
const children: RunningChild[] = [];
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
  removeTempDir(dir);
});

function start(role: 'creator' | 'probe'): RunningChild {
  const child = startFixture(FIXTURE, [role, dir], { timeoutMs: 30_000 });
  children.push(child);
  return child;
}

async function report<T>(child: RunningChild): Promise<T> {
  const r = await child.result;
  expect(r.outcome, describeResult(r)).toBe('ok');
  return jsonLines<T>(r.stdout)[0]!;
}

describe('the creation lock', () => {
  it('leaves the page locks of processes running on a deleted file alone', async () => {
    const path = join(dir, 'app.fmcache');
    const options = { path, pageSize: 4096, numPages: 16, lockStripes: 2, lockTimeout: 200 };
    const running = FastMmapCache.open(options);
    try {
      // A key on a page of stripe 0.
      let key = '';
      for (let i = 0; key === ''; i++) {
        running.set(`k${i}`, i);
        if (running.stats().pages.findIndex((p) => p.items > 0) % 2 === 0) key = `k${i}`;
        running.delete(`k${i}`);
      }
      unlinkSync(path); // an rm: this process runs on, on the deleted file
      const creator = start('creator');
      await creator.waitForLine((l) => l === 'building');
      // The newcomer is building the new file: writes here go on as before.
      expect(() => running.set(key, 'still writing')).not.toThrow();
      expect(running.get(key)).toBe('still writing');
      creator.send('go');
      expect(await report(creator)).toEqual({ ok: true });
    } finally {
      running.close();
    }
  });

  it('handed over by a creator that failed, is held by the one that waited alone', async () => {
    const failing = start('creator');
    await failing.waitForLine((l) => l === 'building');
    // It holds the creation lock; the next opener has the lock's file open and waits.
    const waiting = start('creator');
    await waiting.waitForLine((l) => l === 'opened app.fmcache.lock-create');
    failing.send('fail');
    expect(await report(failing)).toEqual({ ok: false, code: 'ERR_FASTMMAP_NO_SPACE' });
    // The waiting opener has the lock now and builds the file; nobody else may.
    await waiting.waitForLine((l) => l === 'building');
    const probe = start('probe');
    expect(await report(probe)).toEqual({ acquired: false, code: 'ERR_FASTMMAP_LOCK_TIMEOUT' });
    waiting.send('go');
    expect(await report(waiting)).toEqual({ ok: true });
    // The lock's file is gone with the creation: the cache file alone is left.
    expect(readdirSync(dir).sort()).toEqual(['app.fmcache']);
  });

  it('is not taken from the creator that holds it by one whose lock file an rm removed', async () => {
    const first = start('creator');
    await first.waitForLine((l) => l === 'building');
    unlinkSync(join(dir, 'app.fmcache.lock-create')); // an rm of the lock files meanwhile
    // The next opener finds no lock file: it makes one and builds too (the rm's doing).
    const second = start('creator');
    await second.waitForLine((l) => l === 'building');
    first.send('go');
    expect(await report(first)).toEqual({ ok: true });
    // The first let go of its own lock: the second's, which its path names now, still holds.
    const probe = start('probe');
    expect(await report(probe)).toEqual({ acquired: false, code: 'ERR_FASTMMAP_LOCK_TIMEOUT' });
    second.send('go');
    expect(await report(second)).toEqual({ ok: true });
  });
});
