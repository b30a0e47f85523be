import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionManager, FastMmapStore } from '@fastmmap/session-core';
import { type CacheStats, FastMmapCache, type PressureInfo } from '@fastmmap/session-core/cache';

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
/** A value holding what JSON.stringify leaves raw: DEL, C1 (U+009B is a CSI), bidi controls. */
export const controlsValue = {
  name: 'evil\u009b2J\u009b31mRED\u202eLIAM',
  marks: '\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d',
  other: '\u007f\u0080\u0085\u009f\u2028\u2029',
};

// Every temp dir this process made, so a test file can check it removed them all.
const made = new Set<string>();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fastmmap-cli-test-'));
  made.add(dir);
  return dir;
}

/** Temp dirs this process made that are still there: a test file must leave none behind. */
export function leftoverTempDirs(): string[] {
  return [...made].filter((dir) => existsSync(dir));
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

/**
 * One small page written far past its room: live items get evicted. The writer's pressure
 * reports are collected, not printed as a FastMmapPressureWarning in the middle of the run.
 */
export function overfullFixture(): Fixture & { pressure: PressureInfo[] } {
  const dir = tempDir();
  const path = join(dir, 'small.fmcache');
  const pressure: PressureInfo[] = [];
  let now = Date.now();
  const cache = FastMmapCache.open({
    path,
    pageSize: 4096,
    numPages: 1,
    lockStripes: 1,
    clock: () => now,
    pressure: { onPressure: (info) => pressure.push(info) },
  });
  for (let i = 0; i < 100; i++) cache.set(`k${i}`, 'v'.repeat(200), { ttl: 0 });
  now += 60_000; // the pressure interval ends: the next write reports it
  cache.set('k100', 'v'.repeat(200), { ttl: 0 });
  return { ...finish(dir, path, cache), pressure };
}

/** The `sess:<id>` key of login i: ids as the manager makes them, the same in every run. */
export const loginKey = (i: number) =>
  `sess:${createHash('sha256').update(String(i)).digest('base64url')}`;

/**
 * `count` users log in (one session each, for an hour) on a cache of `geometry`, pressure
 * reports collected: the operations trial had 5,000 on 256 KiB (16 KiB pages).
 */
export function loginsFixture(
  count: number,
  geometry: { pageSize: number; cacheSize?: number; numPages?: number },
  /** Every `every`-th login also keeps `bytes` of notes (a few large sessions among many). */
  large?: { every: number; bytes: number },
): Fixture & { pressure: PressureInfo[] } {
  const dir = tempDir();
  const path = join(dir, 'logins.fmcache');
  const pressure: PressureInfo[] = [];
  let now = Date.now();
  const cache = FastMmapCache.open({
    path,
    ...geometry,
    clock: () => now,
    pressure: { onPressure: (info) => pressure.push(info) },
  });
  for (let i = 0; i < count; i++) {
    const session = { userId: i, name: `user${i}`, roles: ['member'], loginAt };
    if (large !== undefined && i % large.every === 0) {
      Object.assign(session, { notes: 'n'.repeat(large.bytes) });
    }
    cache.set(
      loginKey(i),
      { ...session, __fastmmap: { created: now, touched: now } },
      { ttl: HOUR },
    );
  }
  now += 60_000; // the pressure interval ends: the next write reports it
  cache.set('probe', 'x', { ttl: HOUR });
  cache.delete('probe');
  return { ...finish(dir, path, cache), pressure };
}

/**
 * A 16 MiB file (256 pages of 64 KiB): four times what `watch` reads a frame for the largest
 * record. Small sessions, and one of `largeBytes` of notes.
 */
export function sixteenMiBFixture(largeBytes: number): Fixture {
  const dir = tempDir();
  const path = join(dir, 'big.fmcache');
  const cache = FastMmapCache.open({ path, pageSize: 65_536, numPages: 256 });
  for (let i = 0; i < 500; i++) cache.set(loginKey(i), { userId: i, loginAt }, { ttl: HOUR });
  cache.set('sess:large', { notes: 'n'.repeat(largeBytes) }, { ttl: HOUR });
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
  cache.set('bidi', { name: 'nimda\u202e', note: 'a\u2028b' }, { ttl: 0 });
  cache.set('controls', controlsValue, { ttl: 0 });
  return finish(dir, path, cache);
}

export interface SessionsOfAManager extends Fixture {
  /** The `sess:<id>` key of a session still in use. */
  liveKey: string;
  /** The key of a destroyed session: the manager left its tombstone there. */
  destroyedKey: string;
}

/**
 * Sessions written by the real session manager: one live, one destroyed (its tombstone stays
 * for tombstoneTtl), plus two values that only look like tombstones to a careless reader.
 */
export async function destroyedSessionFixture(): Promise<SessionsOfAManager> {
  const dir = tempDir();
  const path = join(dir, 'sessions.fmcache');
  const store = new FastMmapStore({ storage: path, pageSize: 4096, numPages: 2 });
  const manager = createSessionManager({ secret: 's'.repeat(32), store });
  const live = await manager.load<{ user?: string }>(undefined);
  live.data.user = 'ada';
  await live.commit();
  const destroyed = await manager.load<{ user?: string }>(undefined);
  destroyed.data.user = 'bob';
  await destroyed.commit();
  await destroyed.destroy();
  await destroyed.commit();
  await store.close();

  const cache = FastMmapCache.open({ path, adoptGeometry: true });
  cache.set('note', { __fastmmap: { dead: 'not a session' } }, { ttl: 0 });
  cache.set('text', '__fastmmap dead', { ttl: 0 });
  return {
    ...finish(dir, path, cache),
    liveKey: `sess:${live.id}`,
    destroyedKey: `sess:${destroyed.id}`,
  };
}

export { tempDir };
