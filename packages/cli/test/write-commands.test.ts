import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evilKey, type Fixture, leftoverTempDirs, sessionsFixture } from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

let fixture: Fixture;
beforeEach(() => {
  fixture = sessionsFixture();
});
afterEach(() => fixture?.cleanup());
afterAll(() => expect(leftoverTempDirs()).toEqual([]));

async function liveKeys(): Promise<string[]> {
  return JSON.parse((await runCli(['keys', fixture.path, '--json'])).stdout);
}

describe('fastmmap delete', () => {
  it('deletes one key for everyone, and exits 4 when it was not there', async () => {
    const first = await runCli(['delete', fixture.path, 'sess:bob']);
    expect(first).toEqual({ code: 0, stdout: 'deleted sess:bob\n', stderr: '' });
    expect(await liveKeys()).not.toContain('sess:bob');
    expect((await runCli(['get', fixture.path, 'sess:bob'])).code).toBe(4);

    const again = await runCli(['delete', fixture.path, 'sess:bob']);
    expect(again.code).toBe(4);
    expect(again.stderr).toBe('fastmmap: key not found: sess:bob\n');
    const json = await runCli(['delete', fixture.path, 'sess:bob', '--json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({ key: 'sess:bob', deleted: false });
  });

  it('takes a key that starts with a dash after --', async () => {
    const { code, stderr } = await runCli(['delete', fixture.path, '--', '-dash']);
    expect(code).toBe(4);
    expect(stderr).toContain('key not found: -dash');
  });
});

describe('fastmmap purge', () => {
  it('removes the expired items only and prints the count', async () => {
    const { code, stdout } = await runCli(['purge', fixture.path]);
    expect(code).toBe(0);
    expect(stdout).toBe('removed 2 expired items\n');
    const again = await runCli(['purge', fixture.path, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({
      removed: 0,
      repaired: { badRecords: 0, tornPages: 0, badPages: 0 },
      ok: true,
    });
    expect(await liveKeys()).toHaveLength(4);
  });
});

describe('fastmmap purge of what verify reports', () => {
  /** verify's exit code and summary line, and stats' damaged pages. */
  async function check(): Promise<{ verify: string; code: number | null; damaged: number }> {
    const verify = await runCli(['verify', fixture.path]);
    const stats = JSON.parse((await runCli(['stats', fixture.path, '--json'])).stdout);
    return {
      verify: verify.stdout.split('\n')[0]!,
      code: verify.code,
      damaged: stats.damagedPages,
    };
  }

  it('recounts a page whose item count was changed', async () => {
    const bytes = readFileSync(fixture.path);
    const page = fixture.stats.pages.findIndex((p) => p.items > 0);
    const at = 12288 + page * 8192 + 36; // the page's item count (12 KiB file header, 8 KiB pages)
    bytes.writeUInt32LE(bytes.readUInt32LE(at) + 1, at);
    writeFileSync(fixture.path, bytes);
    expect(await check()).toEqual({
      verify: expect.stringMatching(/ 0 bad records, 0 torn pages, 1 bad pages$/),
      code: 5,
      damaged: 0, // stats reads no slot table: a garbage header only
    });
    const purge = await runCli(['purge', fixture.path]);
    expect(purge).toEqual({
      code: 0,
      stdout: 'removed 2 expired items\nrepaired 0 bad records, 0 torn pages, 1 bad pages\n',
      stderr: '',
    });
    expect(await check()).toEqual({ verify: expect.stringMatching(/^ok: /), code: 0, damaged: 0 });
    expect(await liveKeys()).toHaveLength(4);
  });

  it('drops a record that fails its checksum, and only that one', async () => {
    const bytes = readFileSync(fixture.path);
    const at = bytes.indexOf('sess:bob');
    bytes[at + 'sess:bob'.length + 2]! ^= 0xff; // inside the value
    writeFileSync(fixture.path, bytes);
    expect((await check()).code).toBe(5);
    const purge = await runCli(['purge', fixture.path, '--json']);
    expect(purge.code).toBe(0);
    expect(JSON.parse(purge.stdout)).toEqual({
      removed: 2,
      repaired: { badRecords: 1, tornPages: 0, badPages: 0 },
      ok: true,
    });
    expect(await check()).toEqual({ verify: expect.stringMatching(/^ok: /), code: 0, damaged: 0 });
    expect(await liveKeys()).toEqual(['config', evilKey, 'sess:alice']);
  });
});

describe('fastmmap clear', () => {
  it('refuses without --yes (exit 2) and keeps every item', async () => {
    const { code, stdout, stderr } = await runCli(['clear', fixture.path]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('add --yes to confirm');
    expect(await liveKeys()).toHaveLength(4);
  });

  it('removes every item with --yes', async () => {
    const { code, stdout } = await runCli(['clear', fixture.path, '--yes', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ cleared: true, items: fixture.stats.items });
    expect(await liveKeys()).toEqual([]);
    const stats = JSON.parse((await runCli(['stats', fixture.path, '--json'])).stdout);
    expect(stats.items).toBe(0);
    expect(stats.creationId).toBe(fixture.stats.creationId);
  });
});
