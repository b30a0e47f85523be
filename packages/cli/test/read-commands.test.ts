import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FastMmapCache } from '@fastmmap/session-core/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  controlsValue,
  evilKey,
  type Fixture,
  HOUR,
  jsonFixture,
  leftoverTempDirs,
  loginAt,
  overfullFixture,
  sessionsFixture,
  tempDir,
} from './helpers/fixtures.js';
import { runCli, stackLine } from './helpers/run-cli.js';

let sessions: Fixture;
let overfull: ReturnType<typeof overfullFixture>;
let json: Fixture;

beforeAll(() => {
  sessions = sessionsFixture();
  overfull = overfullFixture();
  json = jsonFixture();
});
afterAll(() => {
  for (const fixture of [sessions, overfull, json]) fixture?.cleanup();
  expect(leftoverTempDirs()).toEqual([]);
});

// What a terminal must not get raw beyond C0: DEL, C1, separators and bidi controls.
const CONTROLS = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('fastmmap stats', () => {
  it('--json reports what the writer saw, plus derived figures', async () => {
    const { code, stdout, stderr } = await runCli(['stats', sessions.path, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    const { pages, ...scalars } = sessions.stats;
    expect(out).toMatchObject(scalars);
    expect(out.pages).toEqual(pages);
    expect(out.numPages).toBe(4);
    expect(out.pageSize).toBe(8192);
    expect(out.hitRatio).toBeCloseTo(scalars.hits / (scalars.hits + scalars.misses));
    expect(out.sessionTombstones).toBe(0);
    expect(out.heldLocks).toEqual([]); // no process keeps a page lock
    expect(out.expiredItems).toBe(2); // old:1 and old:2, still counted in items
    expect(out.fill).toBeCloseTo(pages.reduce((s, p) => s + p.fill, 0) / pages.length);
    expect(out.fillHistogram).toHaveLength(10);
    expect(out.fillHistogram.reduce((s: number, b: { pages: number }) => s + b.pages, 0)).toBe(4);
    expect(Object.keys(out).sort()).toEqual(
      [
        ...Object.keys(sessions.stats),
        'fill',
        'hitRatio',
        'fillHistogram',
        'expiredItems',
        'sessionTombstones',
        'sizeSuggestion',
        'heldLocks',
      ].sort(),
    );
  });

  it('draws the page fill histogram and the counters', async () => {
    const { code, stdout } = await runCli(['stats', sessions.path]);
    expect(code).toBe(0);
    expect(stdout).toContain(sessions.path);
    expect(stdout).toMatch(/4 pages × 8 KiB = 32 KiB/);
    // keys lists 4 of them, purge would remove 2: the items line says why.
    expect(stdout).toMatch(/^ {2}items +6 \(incl\. 2 expired\)$/m);
    for (const bucket of ['0-10%', '50-60%', '90-100%']) expect(stdout).toContain(bucket);
    expect(stdout).toMatch(new RegExp(`^ {2}hits +${sessions.stats.hits}$`, 'm'));
    expect(stdout).toMatch(/^ {2}hit ratio +\d+\.\d%$/m);
    expect(stdout).not.toContain('Raise cacheSize');
  });

  it('highlights evictions of unexpired items with advice to raise cacheSize', async () => {
    expect(overfull.stats.evictionsUnexpired).toBeGreaterThan(0);
    // The writer was told (in an app: a FastMmapPressureWarning); the reader warns of nothing.
    expect(overfull.pressure.length).toBeGreaterThan(0);
    const human = await runCli(['stats', overfull.path]);
    expect(human.code).toBe(0);
    expect(human.stderr).toBe('');
    expect(human.stdout).toMatch(
      new RegExp(`^ {2}unexpired evictions +${overfull.stats.evictionsUnexpired}$`, 'm'),
    );
    expect(human.stdout).toContain(
      `! ${overfull.stats.evictionsUnexpired} items were evicted before they expired`,
    );
    const out = JSON.parse((await runCli(['stats', overfull.path, '--json'])).stdout);
    expect(human.stdout).toContain(
      `Raise cacheSize (now 4 KiB) to ${out.sizeSuggestion.cacheSize / 1024} KiB (${out.sizeSuggestion.cacheSize} bytes)`,
    );
    expect(out.evictionsUnexpired).toBe(overfull.stats.evictionsUnexpired);
    expect(out.fillHistogram.reduce((s: number, b: { pages: number }) => s + b.pages, 0)).toBe(1);
  });

  it('leaves a page whose header was written over out of the counts, and says so', async () => {
    const damaged = sessionsFixture();
    try {
      const page = damaged.stats.pages.findIndex((p) => p.items > 0);
      const bytes = readFileSync(damaged.path);
      // The file header is 12 KiB; the page's 128-byte header (its counters too) starts its page.
      bytes.fill(0xa5, 12288 + page * 8192, 12288 + page * 8192 + 128);
      writeFileSync(damaged.path, bytes);
      const { code, stdout } = await runCli(['stats', damaged.path]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^ {2}damaged pages \(now\) +1$/m);
      expect(stdout).toContain('! 1 pages have a garbage header');
      // The garbage counters raise no false alarms.
      expect(stdout).not.toContain('were evicted before they expired');
      expect(stdout).not.toContain('were repaired');
      const out = JSON.parse((await runCli(['stats', damaged.path, '--json'])).stdout);
      expect(out.damagedPages).toBe(1);
      expect(out.items).toBe(damaged.stats.items - damaged.stats.pages[page]!.items);
    } finally {
      damaged.cleanup();
    }
  });
});

describe('fastmmap keys', () => {
  it('lists the live keys sorted, without the expired ones', async () => {
    const { code, stdout } = await runCli(['keys', sessions.path, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(['config', evilKey, 'sess:alice', 'sess:bob']);
  });

  it('filters by prefix and limits, telling on stderr how many were left out', async () => {
    const { code, stdout, stderr } = await runCli([
      'keys',
      sessions.path,
      '--prefix',
      'sess:',
      '--limit',
      '1',
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe('sess:alice\n');
    expect(stderr).toBe('(1 of 2 keys shown)\n');
  });

  it('never prints control characters from a key to the terminal', async () => {
    const { stdout } = await runCli(['keys', sessions.path, '--prefix', 'evil']);
    expect(stdout).toBe('"evil\\u001b[2J\\u009bkey"\n');
    expect(stdout.includes('\u001b') || stdout.includes('\u009b')).toBe(false);
  });

  it('--json never prints control characters from a key either', async () => {
    const { stdout } = await runCli(['keys', sessions.path, '--prefix', 'evil', '--json']);
    expect(stdout).toBe('[\n  "evil\\u001b[2J\\u009bkey"\n]\n');
  });
});

describe('fastmmap get', () => {
  it('--json gives the decoded value with Dates as ISO strings and the expiry', async () => {
    const { code, stdout } = await runCli(['get', sessions.path, 'sess:alice', '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.key).toBe('sess:alice');
    expect(out.found).toBe(true);
    expect(out.value).toEqual({ user: 'alice', roles: ['admin'], loginAt: loginAt.toISOString() });
    expect(out.codec).toBe('cbor');
    const expiresIn = Date.parse(out.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(HOUR - 5 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(HOUR);
    expect(Number.isNaN(Date.parse(out.lastAccess))).toBe(false);
    expect(out.size).toBeGreaterThan(10);
  });

  it('pretty prints the value the way Node inspects it, Dates included', async () => {
    const { code, stdout } = await runCli(['get', sessions.path, 'sess:alice']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^expires +\S+Z \(in (59m|1h)/m);
    expect(stdout).toContain(`loginAt: ${loginAt.toISOString()}`);
    expect(stdout).toContain("roles: [ 'admin' ]");
    const never = await runCli(['get', sessions.path, 'sess:bob']);
    expect(never.stdout).toMatch(/^expires +never$/m);
    expect((await runCli(['get', sessions.path, 'sess:bob', '--json'])).stdout).toContain(
      '"expiresAt": null',
    );
  });

  it('names the session key meant by an id without sess:, or by a whole cookie value', async () => {
    for (const key of ['alice', 'alice.c2lnbmF0dXJl', 'sess:alice.c2lnbmF0dXJl']) {
      const { code, stderr } = await runCli(['get', sessions.path, key]);
      expect(code).toBe(4);
      expect(stderr).toBe(
        `fastmmap: key not found: ${key} (did you mean sess:alice? a session's key is "sess:" and its id, the cookie value's part before the dot)\n`,
      );
    }
  });

  it('exits 4 for a missing or expired key', async () => {
    for (const key of ['nope', 'old:1']) {
      const { code, stdout, stderr } = await runCli(['get', sessions.path, key]);
      expect(code).toBe(4);
      expect(stdout).toBe('');
      expect(stderr).toBe(`fastmmap: key not found: ${key}\n`);
      const json = await runCli(['get', sessions.path, key, '--json']);
      expect(json.code).toBe(4);
      expect(JSON.parse(json.stdout)).toEqual({ key, found: false });
    }
  });

  it('never prints bidi controls or line separators from a value to the terminal', async () => {
    const { code, stdout } = await runCli(['get', json.path, 'bidi']);
    expect(code).toBe(0);
    expect(stdout).toContain("name: 'nimda\\u202e'");
    expect(stdout).toContain("note: 'a\\u2028b'");
    expect(/[\u2028\u202e]/.test(stdout)).toBe(false);
  });

  it('--json escapes C1 and bidi controls from a value as \\u, and parses back the same', async () => {
    const { code, stdout } = await runCli(['get', json.path, 'controls', '--json']);
    expect(code).toBe(0);
    expect(stdout).toContain('"name": "evil\\u009b2J\\u009b31mRED\\u202eLIAM"');
    expect(CONTROLS.test(stdout)).toBe(false);
    expect(JSON.parse(stdout).value).toEqual(controlsValue);
    // The human-readable form too (util.inspect escapes C1 but not the bidi marks).
    const human = await runCli(['get', json.path, 'controls']);
    expect(human.stdout).toContain("marks: '\\u200e\\u200f\\u061c\\u2066");
    expect(CONTROLS.test(human.stdout)).toBe(false);
  });

  it('decodes with --codec, and says so clearly when the codec is wrong', async () => {
    const ok = await runCli(['get', json.path, 'doc', '--codec', 'json', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).value).toEqual({ a: [1, 'two'], when: '2026-01-02' });
    const raw = await runCli(['get', json.path, 'doc', '--codec', 'raw', '--json']);
    const bytes = Buffer.from(JSON.parse(raw.stdout).value.$bytes, 'base64');
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ a: [1, 'two'], when: '2026-01-02' });
    const wrong = await runCli(['get', sessions.path, 'sess:alice', '--codec', 'json']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^fastmmap: cannot decode the value of "sess:alice" as json: .* \(try --codec cbor or --codec raw\)\n$/,
    );
    expect(wrong.stderr).not.toMatch(stackLine);
  });

  it('a decode error shows no control characters from the value it quotes', async () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'text.fmcache');
      const cache = FastMmapCache.open({ path, pageSize: 4096, numPages: 2, lockStripes: 1 });
      // As JSON, the CBOR text fails, and JSON.parse's message quotes it.
      cache.set('s', 'x\u001b[2J\u009b\u202ey', { ttl: 0 });
      // The key is quoted too.
      cache.set('k\u009b\u202e', 'x', { ttl: 0 });
      cache.close();
      const { code, stderr } = await runCli(['get', path, 's', '--codec', 'json']);
      expect(code).toBe(1);
      expect(stderr).toContain('x\\u001b[2J\\u009b\\u202ey');
      expect(stderr.includes('\u001b') || CONTROLS.test(stderr)).toBe(false);
      const byKey = await runCli(['get', path, 'k\u009b\u202e', '--codec', 'json']);
      expect(byKey.stderr).toContain('"k\\u009b\\u202e"');
      expect(CONTROLS.test(byKey.stderr)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('read commands', () => {
  it('leave the file byte for byte as it was', async () => {
    const before = sha(sessions.path);
    await runCli(['stats', sessions.path]);
    await runCli(['keys', sessions.path]);
    await runCli(['get', sessions.path, 'sess:alice']);
    await runCli(['get', sessions.path, 'nope']);
    expect(sha(sessions.path)).toBe(before);
  });
});
