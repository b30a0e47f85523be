import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fixture, leftoverTempDirs, sessionsFixture } from './helpers/fixtures.js';
import { runCli } from './helpers/run-cli.js';

let fixture: Fixture;
beforeEach(() => {
  fixture = sessionsFixture();
});
afterEach(() => fixture?.cleanup());
afterAll(() => expect(leftoverTempDirs()).toEqual([]));

describe('fastmmap verify', () => {
  it('reports a healthy file with exit 0', async () => {
    const { code, stdout } = await runCli(['verify', fixture.path, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      ok: true,
      pages: 4,
      items: fixture.stats.items,
      badRecords: 0,
      tornPages: 0,
      badPages: 0,
      heldLocks: [],
    });
  });

  it('finds a record whose bytes were damaged on disk, with exit 5', async () => {
    const bytes = readFileSync(fixture.path);
    const at = bytes.indexOf('sess:bob');
    expect(at).toBeGreaterThan(0);
    bytes[at + 'sess:bob'.length + 2]! ^= 0xff; // inside the value: the record checksum breaks
    writeFileSync(fixture.path, bytes);
    const { code, stdout } = await runCli(['verify', fixture.path]);
    expect(code).toBe(5);
    expect(stdout).toMatch(/^PROBLEMS FOUND: 4 pages, .* 1 bad records/);
    expect(stdout).toContain('`fastmmap purge FILE` repairs them all now');
  });

  it('explains a torn page (a writer killed mid-write) as repairable, not lost', async () => {
    const bytes = readFileSync(fixture.path);
    const page = fixture.stats.pages.findIndex((p) => p.items > 0);
    // An odd page generation is what a writer killed inside a write leaves (12 KiB file
    // header, 8 KiB pages, the generation at byte 8 of the page).
    const at = 12288 + page * 8192 + 8;
    bytes.writeUInt32LE(bytes.readUInt32LE(at) | 1, at);
    writeFileSync(fixture.path, bytes);
    const { code, stdout } = await runCli(['verify', fixture.path]);
    expect(code).toBe(5);
    expect(stdout).toMatch(/^PROBLEMS FOUND: .* 0 bad records, 1 torn pages, 0 bad pages$/m);
    expect(stdout).toContain('1 torn pages: a process died (or is stopped) while writing them.');
    expect(stdout).toContain('`fastmmap purge FILE` repairs them all now.');
  });

  it('does not promise a cheap repair for a page whose header is garbage', async () => {
    const bytes = readFileSync(fixture.path);
    const page = fixture.stats.pages.findIndex((p) => p.items > 0);
    bytes.fill(0xa5, 12288 + page * 8192, 12288 + page * 8192 + 128); // odd generation too
    writeFileSync(fixture.path, bytes);
    const { code, stdout } = await runCli(['verify', fixture.path]);
    expect(code).toBe(5);
    expect(stdout).toMatch(/ 1 bad pages$/m);
    expect(stdout).not.toContain('losing at most that write');
    expect(stdout).toContain('a page whose header is garbage starts over empty');
  });
});
