import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FastMmapCache } from '@fastmmap/session-core/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  destroyedSessionFixture,
  HOUR,
  leftoverTempDirs,
  type SessionsOfAManager,
  tempDir,
} from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

let fixture: SessionsOfAManager;
beforeAll(async () => {
  fixture = await destroyedSessionFixture();
});
afterAll(() => {
  fixture?.cleanup();
  expect(leftoverTempDirs()).toEqual([]);
});

describe('tombstones of destroyed sessions', () => {
  it('the fixture holds one, counted among the items by the cache itself', () => {
    expect(fixture.stats.items).toBe(4);
  });

  it('keys leaves them out and says how many on stderr', async () => {
    const human = await runCli(['keys', fixture.path]);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(['note', fixture.liveKey, 'text', ''].join('\n'));
    expect(human.stderr).toBe('(1 destroyed-session tombstone not listed)\n');
    const json = await runCli(['keys', fixture.path, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(['note', fixture.liveKey, 'text']);
    const other = await runCli(['keys', fixture.path, '--prefix', 'n']);
    expect(other).toEqual({ code: 0, stdout: 'note\n', stderr: '' });
  });

  it('stats tells how many of the items are tombstones', async () => {
    const human = await runCli(['stats', fixture.path]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ {2}items +4 \(incl\. 1 destroyed-session tombstone\)$/m);
    const json = JSON.parse((await runCli(['stats', fixture.path, '--json'])).stdout);
    expect(json.items).toBe(4);
    expect(json.sessionTombstones).toBe(1);
  });

  it('stats counts an expired tombstone as expired, not as a tombstone', async () => {
    const dir = tempDir();
    const path = join(dir, 'mixed.fmcache');
    try {
      let now = Date.now() - 2 * HOUR;
      const cache = FastMmapCache.open({ path, pageSize: 4096, numPages: 2, clock: () => now });
      const dead = { __fastmmap: { created: 1, touched: 1, dead: true } };
      cache.set('sess:old-dead', dead, { ttl: 60_000 });
      cache.set('sess:old', { __fastmmap: { created: 1, touched: 1 } }, { ttl: 60_000 });
      now = Date.now();
      cache.set('sess:dead', dead, { ttl: HOUR });
      cache.close();
      const human = await runCli(['stats', path]);
      expect(human.stdout).toMatch(
        /^ {2}items +3 \(incl\. 2 expired, 1 destroyed-session tombstone\)$/m,
      );
      const json = JSON.parse((await runCli(['stats', path, '--json'])).stdout);
      expect(json).toMatchObject({ items: 3, expiredItems: 2, sessionTombstones: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('get says the key holds a destroyed session', async () => {
    const human = await runCli(['get', fixture.path, fixture.destroyedKey]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^session +destroyed: a tombstone /m);
    expect(human.stdout).toContain('dead: true');
    const json = JSON.parse(
      (await runCli(['get', fixture.path, fixture.destroyedKey, '--json'])).stdout,
    );
    expect(json.sessionTombstone).toBe(true);
    expect(json.value.__fastmmap.dead).toBe(true);
  });

  it('a live session and lookalike values are not tombstones', async () => {
    for (const key of [fixture.liveKey, 'note', 'text']) {
      const human = await runCli(['get', fixture.path, key]);
      expect(human.code, key).toBe(0);
      expect(human.stdout, key).not.toMatch(/^session /m);
      const json = await runCli(['get', fixture.path, key, '--json']);
      expect(JSON.parse(json.stdout).sessionTombstone, key).toBe(false);
    }
  });
});
