import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CacheStats, FastMmapCache } from '@fastmmap/session-core/cache';

export interface Fixture {
  dir: string;
  path: string;
  /** The stats the writer saw right before closing: what the CLI must report. */
  stats: CacheStats;
  cleanup(): void;
}

export const loginAt = new Date('2026-01-02T03:04:05.000Z');
export const evilKey = 'evil\u001b[2J\u009bkey';
export const HOUR = 3_600_000;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'fastmmap-cli-test-'));
}

function finish(dir: string, path: string, cache: FastMmapCache): Fixture {
  const stats = cache.stats();
  cache.close();
  return { dir, path, stats, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Three live items, two already expired (written with a clock two hours back), one key with
 * terminal control characters, one hit and one miss.
 */
export function sessionsFixture(): Fixture {
  const dir = tempDir();
  const path = join(dir, 'sessions.fmcache');
  let now = Date.now() - 2 * HOUR;
  const cache = FastMmapCache.open({
    path,
    pageSize: 8192,
    numPages: 4,
    lockStripes: 2,
    clock: () => now,
  });
  cache.set('old:1', { stale: true }, { ttl: 60_000 });
  cache.set('old:2', { stale: true }, { ttl: 60_000 });
  now = Date.now();
  cache.set('sess:alice', { user: 'alice', roles: ['admin'], loginAt }, { ttl: HOUR });
  cache.set('sess:bob', { user: 'bob', cart: [1, 2, 3] }, { ttl: 0 });
  cache.set('config', { theme: 'dark' }, { ttl: 0 });
  cache.set(evilKey, 'x', { ttl: 0 });
  cache.get('sess:alice');
  cache.get('missing');
  return finish(dir, path, cache);
}

/** One small page written far past its room: live items get evicted. */
export function overfullFixture(): Fixture {
  const dir = tempDir();
  const path = join(dir, 'small.fmcache');
  const cache = FastMmapCache.open({ path, pageSize: 4096, numPages: 1, lockStripes: 1 });
  for (let i = 0; i < 100; i++) cache.set(`k${i}`, 'v'.repeat(200), { ttl: 0 });
  return finish(dir, path, cache);
}

/** A fixture written with the json codec. */
export function jsonFixture(): Fixture {
  const dir = tempDir();
  const path = join(dir, 'json.fmcache');
  const cache = FastMmapCache.open({
    path,
    pageSize: 4096,
    numPages: 2,
    lockStripes: 1,
    codec: 'json',
  });
  cache.set('doc', { a: [1, 'two'], when: '2026-01-02' }, { ttl: 0 });
  return finish(dir, path, cache);
}

export { tempDir };
