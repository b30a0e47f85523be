import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll } from 'vitest';
import { type CacheOptions, FastMmapCache, FastMmapError } from '../../src/cache/index.js';

/** A fresh private directory per test; `cleanup` closes every cache opened through `open`. */
export function scratchDir() {
  const dir = mkdtempSync(join(tmpdir(), 'fastmmap-test-'));
  const opened: FastMmapCache<unknown>[] = [];
  return {
    dir,
    path: join(dir, 'cache.fmc'),
    open<V = unknown>(options: CacheOptions = {}): FastMmapCache<V> {
      const cache = FastMmapCache.open<V>({ path: join(dir, 'cache.fmc'), ...options });
      opened.push(cache as FastMmapCache<unknown>);
      return cache;
    },
    cleanup() {
      for (const cache of opened) cache.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand: expiry is tested without sleeping. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  const clock = { now: start, fn: () => clock.now, advance: (ms: number) => (clock.now += ms) };
  return clock;
}

/** Small geometry so tests fill pages quickly. */
export const SMALL = { pageSize: 4096, numPages: 3 } as const;

/** The FastMmapError code `fn` throws, or undefined if it returns; other errors propagate. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof FastMmapError) return err.code;
    throw err;
  }
  return undefined;
}

/** The message of what `fn` throws; fails when nothing is thrown. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('nothing was thrown');
}

const builtCache = fileURLToPath(new URL('../../dist/cache/index.js', import.meta.url));

/** For a file whose child processes run the built dist: fails early, saying how, without it. */
export function requireBuiltDist(): void {
  beforeAll(() => {
    if (!existsSync(builtCache))
      throw new Error('build first: npx tsc -b packages/session-core (children run dist/)');
  });
}
