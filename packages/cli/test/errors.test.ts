import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, leftoverTempDirs, sessionsFixture, tempDir } from './helpers/fixtures.js';
import { runCli, stackLine } from './helpers/run-cli.js';

let dir: string;
let fixture: Fixture;
beforeAll(() => {
  dir = tempDir();
  fixture = sessionsFixture();
});
afterAll(() => {
  fixture?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(leftoverTempDirs()).toEqual([]);
});

const everyCommand = (file: string) => [
  ['stats', file],
  ['keys', file],
  ['get', file, 'k'],
  ['delete', file, 'k'],
  ['purge', file],
  ['clear', file, '--yes'],
];

function expectOneLine(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(stackLine);
}

describe('files the CLI cannot use', () => {
  it('a missing file is exit 1 for every command, and is never created', async () => {
    const missing = join(dir, 'missing.fmcache');
    const results = await Promise.all(everyCommand(missing).map((args) => runCli(args)));
    for (const { code, stdout, stderr } of results) {
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expectOneLine(stderr, /^fastmmap: no such file: .*missing\.fmcache\n$/);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it('garbage, empty, text and directory are "not a cache file" (exit 3), left untouched', async () => {
    const garbage = join(dir, 'garbage.bin');
    writeFileSync(garbage, Buffer.alloc(65536, 0xa5), { mode: 0o600 });
    const empty = join(dir, 'empty.fmcache');
    writeFileSync(empty, '', { mode: 0o600 });
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello\n'.repeat(2000), { mode: 0o600 });
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    for (const file of [garbage, empty, text, folder]) {
      const before = file === folder ? null : readFileSync(file);
      // Every command on the garbage file; one reader and one writer on the others.
      const commands =
        file === garbage
          ? everyCommand(file)
          : [
              ['stats', file],
              ['purge', file],
            ];
      const results = await Promise.all(commands.map((args) => runCli(args)));
      for (const { code, stderr } of results) {
        expect(code, `${file}: ${stderr}`).toBe(3);
        expectOneLine(stderr, /^fastmmap: .*not a (fastmmap )?cache file/);
      }
      if (before) expect(readFileSync(file).equals(before)).toBe(true);
    }
  });

  it('a symlink is refused (exit 1), as the apps refuse it, naming the file it points to', async () => {
    const link = join(dir, 'link.fmcache');
    symlinkSync(fixture.path, link);
    const results = await Promise.all([runCli(['stats', link]), runCli(['purge', link])]);
    for (const { code, stdout, stderr } of results) {
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `fastmmap: ${link} is a symlink (ERR_FASTMMAP_UNSAFE_FILE); symlinks are refused, name the file itself: ${realpathSync(fixture.path)}\n`,
      );
    }
  });

  it('a cache file of another format version is exit 3 with the version in the message', async () => {
    const bytes = readFileSync(fixture.path);
    // Format version is the u32 at offset 8; the header CRC at 96 covers bytes 0..95.
    bytes.writeUInt32LE(bytes.readUInt32LE(8) + 1, 8);
    bytes.writeUInt32LE(crc32(bytes.subarray(0, 96)), 96);
    const future = join(dir, 'future.fmcache');
    writeFileSync(future, bytes, { mode: 0o600 });
    const { code, stderr } = await runCli(['stats', future]);
    expect(code).toBe(3);
    expectOneLine(stderr, /format version 3/);
  });

  it('a header whose codec name is not printable ASCII is a damaged header (exit 3), not a codec', async () => {
    const bytes = readFileSync(fixture.path);
    // The codec name is 32 bytes at offset 64, under the same CRC.
    bytes.fill(0xff, 64, 96);
    bytes.writeUInt32LE(crc32(bytes.subarray(0, 96)), 96);
    const damaged = join(dir, 'codec-bytes.fmcache');
    writeFileSync(damaged, bytes, { mode: 0o600 });
    for (const command of ['stats', 'verify']) {
      const { code, stderr } = await runCli([command, damaged]);
      expect(code, stderr).toBe(3);
      expectOneLine(stderr, /not a (fastmmap )?cache file.*codec name in header/);
    }
  });
});
