import {
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { FastMmapStore } from '@fastmmap/session-core';
import { type CacheEntry, type Codec, FastMmapCache } from '@fastmmap/session-core/cache';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Fixture,
  jsonFixture,
  leftoverTempDirs,
  loginAt,
  sessionsFixture,
} from './helpers/fixtures.js';
import { runCli, spawnPausedCopy } from './helpers/run-cli.js';

let fixture: Fixture;
let to: string;
beforeEach(() => {
  fixture = sessionsFixture(); // 8 KiB pages × 4, 2 stripes; 4 live items (3 never expire), 2 expired
  to = join(fixture.dir, 'copy.fmcache');
});
afterEach(() => fixture?.cleanup());
afterAll(() => expect(leftoverTempDirs()).toEqual([]));

/** Every live entry of a file, as stored bytes (read-only, so reading changes nothing). */
function storedEntries(path: string): Map<string, CacheEntry<Uint8Array>> {
  const cache = FastMmapCache.open<Uint8Array>({
    path,
    readOnly: true,
    adoptGeometry: true,
    codec: 'raw',
  });
  try {
    return new Map([...cache.keys()].map((key) => [key, cache.getEntry(key)!]));
  } finally {
    cache.close();
  }
}

function statsOf(path: string) {
  const cache = FastMmapCache.open({ path, readOnly: true, adoptGeometry: true });
  try {
    return cache.stats();
  } finally {
    cache.close();
  }
}

/** Adds entries to the fixture file as an app would (cbor, through the cache). */
function addToFixture(entries: Array<[string, unknown]>): void {
  const cache = FastMmapCache.open({ path: fixture.path, adoptGeometry: true });
  for (const [key, value] of entries) cache.set(key, value, { ttl: 0 });
  cache.close();
}

describe('fastmmap copy', () => {
  it('copies the live items byte for byte with their expiries into a bigger file', async () => {
    const before = storedEntries(fixture.path);
    const { code, stdout, stderr } = await runCli(['copy', fixture.path, to, '--num-pages', '32']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(`copied 4 items from ${fixture.path} to ${to} (0 skipped)\n`);

    const after = storedEntries(to);
    expect([...after.keys()].sort()).toEqual([
      'config',
      'evil\u001b[2J\u009bkey',
      'sess:alice',
      'sess:bob',
    ]);
    for (const [key, entry] of after) {
      const source = before.get(key)!;
      expect(Buffer.compare(entry.value, source.value), key).toBe(0);
      expect(entry.expiresAt, key).toBe(source.expiresAt);
    }
    expect(after.get('sess:alice')!.expiresAt).toBeGreaterThan(Date.now());
    expect(after.get('sess:bob')!.expiresAt).toBe(0);
    expect(after.has('old:1') || after.has('old:2')).toBe(false);

    // The new size, the rest of FROM's geometry, FROM's codec; FROM itself is as it was.
    const stats = statsOf(to);
    expect(stats).toMatchObject({ numPages: 32, pageSize: 8192, lockStripes: 2, codec: 'cbor' });
    expect(stats.items).toBe(4);
    expect(statsOf(fixture.path)).toMatchObject({ items: fixture.stats.items, numPages: 4 });
    expect(statSync(to).mode & 0o777).toBe(0o600);
  });

  it('makes a file the app opens with its own geometry and codec and reads sessions from', async () => {
    const { code } = await runCli([
      'copy',
      fixture.path,
      to,
      '--cache-size',
      '256K',
      '--page-size',
      '16K',
    ]);
    expect(code).toBe(0);
    expect(statsOf(to)).toMatchObject({ numPages: 16, pageSize: 16384, codec: 'cbor' });
    // FastMmapStore opens with the built-in cbor codec (checked for writers) and this geometry.
    const store = new FastMmapStore({ storage: to, pageSize: 16384, numPages: 16 });
    try {
      expect(await store.get('alice')).toEqual({ user: 'alice', roles: ['admin'], loginAt });
      await store.store('carol', { user: 'carol' }, 60_000);
      expect(await store.get('carol')).toEqual({ user: 'carol' });
    } finally {
      await store.close();
    }
  });

  it('takes what is not given from FROM: --page-size alone keeps the page count', async () => {
    const { code } = await runCli([
      'copy',
      fixture.path,
      to,
      '--page-size',
      '16384',
      '--mode',
      '640',
    ]);
    expect(code).toBe(0);
    expect(statsOf(to)).toMatchObject({ numPages: 4, pageSize: 16384, lockStripes: 2 });
    expect(statSync(to).mode & 0o777).toBe(0o640);
  });

  it('records the codec of FROM, a custom one included', async () => {
    const json = jsonFixture();
    const custom: Codec = {
      name: 'upper-text',
      encode: (value) => Buffer.from(String(value).toUpperCase()),
      decode: (bytes) => Buffer.from(bytes).toString(),
    };
    const customPath = join(json.dir, 'custom.fmcache');
    const writer = FastMmapCache.open({
      path: customPath,
      pageSize: 4096,
      numPages: 2,
      codec: custom,
    });
    writer.set('greeting', 'hello', { ttl: 0 });
    writer.close();
    try {
      const jsonCopy = join(json.dir, 'json-copy.fmcache');
      const customCopy = join(json.dir, 'custom-copy.fmcache');
      expect((await runCli(['copy', json.path, jsonCopy, '--num-pages', '4'])).code).toBe(0);
      expect((await runCli(['copy', customPath, customCopy, '--num-pages', '4'])).code).toBe(0);

      const jsonCache = FastMmapCache.open({ path: jsonCopy, codec: 'json', adoptGeometry: true });
      expect(jsonCache.get('doc')).toEqual({ a: [1, 'two'], when: '2026-01-02' });
      jsonCache.close();
      // Opening for writing with a codec the file does not record would throw.
      const customCache = FastMmapCache.open({
        path: customCopy,
        codec: custom,
        adoptGeometry: true,
      });
      expect(customCache.get('greeting')).toBe('HELLO');
      customCache.close();
      // The other commands know the custom codec's file too: stats names it, purge writes.
      expect((await runCli(['stats', customPath, '--json'])).stdout).toContain('"upper-text"');
      expect(await runCli(['purge', customPath])).toMatchObject({ code: 0 });
    } finally {
      json.cleanup();
    }
  });

  it('refuses a TO that exists and leaves it untouched', async () => {
    writeFileSync(to, 'not yours\n');
    const { code, stdout, stderr } = await runCli(['copy', fixture.path, to, '--num-pages', '8']);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe(
      `fastmmap: ${to} exists already: copy makes a new file and never writes into one that apps may have open; name a path that does not exist\n`,
    );
    expect(readFileSync(to, 'utf8')).toBe('not yours\n');
    expect(readdirSync(fixture.dir).filter((name) => name.startsWith('copy.fmcache.lock'))).toEqual(
      [],
    );

    // A live cache file at TO is not merged into either.
    const other = join(fixture.dir, 'other.fmcache');
    const app = FastMmapCache.open({ path: other, pageSize: 4096, numPages: 2 });
    app.set('mine', 1, { ttl: 0 });
    app.close();
    expect((await runCli(['copy', fixture.path, other])).code).toBe(1);
    expect([...storedEntries(other).keys()]).toEqual(['mine']);
  });

  it('refuses FROM === TO and bad sizes as usage errors, creating nothing', async () => {
    const cases = [
      [[fixture.path, fixture.path], 'copy: FROM and TO are the same file'],
      [
        [fixture.path, to, '--cache-size', '1M', '--num-pages', '4'],
        'give --cache-size or --num-pages, not both',
      ],
      [[fixture.path, to, '--cache-size', '64MB'], '--cache-size must be a number of bytes'],
      [[fixture.path, to, '--page-size', '5000'], 'pageSize must be a multiple of 4096'],
      [[fixture.path, to, '--cache-size', '3G'], 'below 2 GiB'],
      [[fixture.path, to, '--lock-stripes', '0'], '--lock-stripes must be a whole number >= 1'],
      [[fixture.path, to, '--mode', '644'], '--mode must be 0600 or 0640'],
      [[fixture.path], 'copy: missing TO'],
    ] as const;
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(['copy', ...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toContain(message);
      expect(existsSync(to), args.join(' ')).toBe(false);
    }
  });

  it('counts and names the items too large for the new page size, and exits 6', async () => {
    addToFixture([
      ['big:1', 'x'.repeat(5000)],
      ['big:2', 'y'.repeat(6000)],
    ]);
    const { code, stdout, stderr } = await runCli([
      'copy',
      fixture.path,
      to,
      '--page-size',
      '4096',
    ]);
    expect(code).toBe(6);
    expect(stdout).toBe(`copied 4 items from ${fixture.path} to ${to} (2 skipped)\n`);
    expect(stderr).toBe(
      'fastmmap: not copied, too large for a page of the new file: big:1, big:2 (raise --page-size)\n',
    );
    expect([...storedEntries(to).keys()]).toHaveLength(4);

    const again = join(fixture.dir, 'again.fmcache');
    const json = await runCli(['copy', fixture.path, again, '--page-size', '4K', '--json']);
    expect(json.code).toBe(6);
    expect(JSON.parse(json.stdout)).toEqual({
      copied: 4,
      skipped: 2,
      skippedKeys: ['big:1', 'big:2'],
    });
  });

  it('counts the items a full page of a smaller file evicted, and names a few', async () => {
    addToFixture(
      Array.from({ length: 40 }, (_, i): [string, unknown] => [`k${i}`, 'v'.repeat(300)]),
    );
    expect(statsOf(fixture.path).evictions).toBe(0); // all 44 live items are in FROM
    const { code, stdout, stderr } = await runCli([
      'copy',
      fixture.path,
      to,
      '--page-size',
      '4096',
      '--num-pages',
      '1',
      '--json',
    ]);
    expect(code).toBe(6);
    const result = JSON.parse(stdout);
    const kept = storedEntries(to).size;
    expect(result.copied).toBe(kept);
    expect(result.copied + result.skipped).toBe(44);
    expect(result.skipped).toBeGreaterThan(0);
    expect(result.skippedKeys).toHaveLength(5);
    expect(stderr).toMatch(
      /^fastmmap: not copied, evicted for lack of room in the new file: .+ and [\d,]+ more \(raise --cache-size or --num-pages\)\n$/,
    );
  });

  it.runIf(process.geteuid?.() === 0)("refuses to run as anyone but FROM's owner", async () => {
    chownSync(fixture.path, 65534, 65534);
    const { code, stderr } = await runCli(['copy', fixture.path, to]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/belongs to uid 65534: run copy as that user, e\.g\. with sudo -u /);
    expect(existsSync(to)).toBe(false);
  });

  it('has a help page that says what becomes of writes to FROM and how to switch', async () => {
    const { code, stdout, stderr } = await runCli(['copy', '--help']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Usage: fastmmap copy FROM TO \[--cache-size BYTES \| --num-pages N\]/);
    expect(stdout).toContain('what they write to FROM after\nthe copy is not in TO');
    expect(stdout).toContain('move TO over FROM (mv TO FROM)');
    expect(stdout).toContain('--page-size BYTES');
  });
});

describe('fastmmap copy --salvage', () => {
  // File header offsets (session-core's layout.ts): the 16-byte creation id, the page count.
  const H_CREATION_ID = 48;
  const H_NUM_PAGES = 24;

  /** Flips one bit of a header byte of the fixture file, as a stray write would. */
  function flipHeaderBit(offset: number): Buffer {
    const bytes = readFileSync(fixture.path);
    bytes[offset]! ^= 0x10;
    writeFileSync(fixture.path, bytes);
    return bytes;
  }

  it("copies the items of a file whose header checksum alone is wrong (its id's bit flipped)", async () => {
    const before = storedEntries(fixture.path);
    const damaged = flipHeaderBit(H_CREATION_ID);
    // Without --salvage the file is refused, as the apps refuse it, with the way out named.
    const refused = await runCli(['copy', fixture.path, to]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('header checksum mismatch');
    expect(refused.stderr).toContain('fastmmap copy --salvage');
    expect(existsSync(to)).toBe(false);

    const { code, stdout, stderr } = await runCli(['copy', '--salvage', fixture.path, to]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(`copied 4 items from ${fixture.path} to ${to} (0 skipped)\n`);
    const after = storedEntries(to);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, entry] of after) {
      expect(Buffer.compare(entry.value, before.get(key)!.value), key).toBe(0);
    }
    // FROM is not written, and nothing is left beside TO.
    expect(Buffer.compare(readFileSync(fixture.path), damaged)).toBe(0);
    expect(readdirSync(fixture.dir).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses what copy refuses without it: a symlink is not followed', async () => {
    flipHeaderBit(H_CREATION_ID);
    const link = join(fixture.dir, 'link.fmcache');
    symlinkSync(fixture.path, link);
    const { code, stderr } = await runCli(['copy', '--salvage', link, to]);
    expect(code).toBe(1);
    expect(stderr).toContain('symlinks are refused');
    expect(existsSync(to)).toBe(false);
    expect(readdirSync(fixture.dir).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses a header with anything else wrong, naming FROM', async () => {
    flipHeaderBit(H_NUM_PAGES); // the geometry no longer matches the file's size
    const { code, stderr } = await runCli(['copy', '--salvage', fixture.path, to]);
    expect(code).toBe(3);
    expect(stderr).toContain(fixture.path);
    expect(stderr).toContain('inconsistent geometry');
    expect(existsSync(to)).toBe(false);
    expect(readdirSync(fixture.dir).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});

describe('fastmmap copy interrupted', () => {
  /**
   * Resolves once the new cache file is in `dir` (built and linked in, under TO's name or the
   * hidden one of a copy in progress): the copy then fills it, or waits to read FROM.
   */
  function newCacheFileIn(dir: string, name: string): Promise<void> {
    const building = new RegExp(`^\\.${name.replaceAll('.', '\\.')}\\.copy-\\d+-[0-9a-f]+$`);
    return new Promise((resolve) => {
      const check = () => {
        if (!readdirSync(dir).some((n) => n === name || building.test(n))) return;
        watcher.close();
        resolve();
      };
      const watcher = watch(dir, check);
      check();
    });
  }

  it('a copy killed halfway leaves no TO; the next copy removes what it left', async () => {
    const made = newCacheFileIn(fixture.dir, 'copy.fmcache');
    const cli = spawnPausedCopy([fixture.path, to]);
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    // The new file is made, and the copy waits before filling it: kill it there.
    await made;
    cli.kill('SIGKILL');
    await exited;
    expect(existsSync(to)).toBe(false);
    const { code, stderr } = await runCli(['copy', fixture.path, to]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(storedEntries(to).size).toBe(4);
    expect(readdirSync(fixture.dir).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('leaves alone a TO that someone made during the copy', async () => {
    const made = newCacheFileIn(fixture.dir, 'copy.fmcache');
    const cli = spawnPausedCopy([fixture.path, to]);
    let stderr = '';
    cli.stderr!.on('data', (d) => {
      stderr += d;
    });
    const code = new Promise((resolve) => cli.once('exit', resolve));
    await made;
    writeFileSync(to, 'theirs');
    cli.stdin!.end('\n'); // the copy goes on, and finds TO there when it names its file
    expect(await code).toBe(1);
    expect(stderr).toContain('exists already');
    expect(readFileSync(to, 'utf8')).toBe('theirs');
    expect(readdirSync(fixture.dir).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
