// Processes SIGKILLed at random moments while touch() rewrites an entry's expiry in place: the
// entry keeps its value (with the old expiry or the new) and nothing is dropped as corrupt.
// Until 2026-11-28 a death between the new expiry and the new checksum left a record that
// failed its checksum, and the next locker dropped it: the session was gone. (The crash point
// inside touch is in crash-recovery.test.ts.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastMmapCache } from '../../../dist/cache/index.js';
import { createRandom, seedFromEnv } from './fixtures/shared/random.mjs';
import { describeResult, startFixture } from './helpers/run-child.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

// One page: the entry nearly fills it, so its checksum takes a while and a kill at a random
// moment often lands between the new expiry and the new checksum.
const CACHE_OPTIONS = { pageSize: 65536, numPages: 1, lockStripes: 1 };
const KEY = 'session';
const VALUE = Buffer.alloc(60_000, 7);
const TTL = 3_600_000;

let root: string;
const seed = seedFromEnv();
beforeAll(() => {
  root = makeTempDir();
  console.log(`touch-crash seed=${seed} (replay: FASTMMAP_TEST_SEED=${seed})`);
});
afterAll(() => removeTempDir(root));

/** A new cache file holding KEY, and its path. */
function seeded(): string {
  const path = join(root, 'c.fmcache');
  const cache = FastMmapCache.open({ ...CACHE_OPTIONS, path, codec: 'raw' });
  cache.set(KEY, VALUE, { ttl: TTL });
  cache.close();
  return path;
}

function openRaw(path: string): FastMmapCache<Buffer> {
  return FastMmapCache.open<Buffer>({ ...CACHE_OPTIONS, path, codec: 'raw' });
}

function toucher(path: string) {
  const cfg = JSON.stringify({ path, key: KEY, cacheOptions: CACHE_OPTIONS });
  return startFixture('touch-child.mjs', [cfg], { timeoutMs: 20_000 });
}

describe('a process killed inside touch()', () => {
  it('by SIGKILL at random moments: never loses the entry', async () => {
    const path = seeded();
    const rnd = createRandom(seed);
    // Kills that landed inside a write (the page needed a repair), and every kill.
    let inWrite = 0;
    for (let round = 0; round < 40 && inWrite < 8; round++) {
      const child = toucher(path);
      await child.waitForLine((line) => line === 'ready');
      await new Promise((resolve) => setTimeout(resolve, rnd.between(5, 40)));
      child.kill();
      const r = await child.result;
      expect(r.outcome, describeResult(r)).toBe('killed');
      const cache = openRaw(path);
      try {
        const before = cache.stats().repairedPages;
        const entry = cache.getEntry(KEY); // a locked read when the page is torn: repairs it
        const stats = cache.stats();
        if (stats.repairedPages > before) inWrite++;
        expect(entry?.value.equals(VALUE), `round ${round}`).toBe(true);
        expect(stats.droppedCorruptRecords).toBe(0);
      } finally {
        cache.close();
      }
    }
  }, 60_000);
});
