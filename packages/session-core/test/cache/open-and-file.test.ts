import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { networkFilesystemName } from '../../src/cache/file.js';
import { defaultCacheDir, FastMmapCache } from '../../src/cache/index.js';
import { codeOf, manualClock, messageOf, SMALL, scratchDir } from './helpers.js';

/** Child processes run the built library (the hooks are read once, at module load). */
const built = fileURLToPath(new URL('../../dist/cache/index.js', import.meta.url));

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('creation', () => {
  it('writes a complete, non-sparse file with a private mode, and no temp files', () => {
    const old = process.umask(0);
    try {
      t.open(SMALL).close();
    } finally {
      process.umask(old);
    }
    const st = statSync(t.path);
    expect(st.mode & 0o777).toBe(0o600);
    // header (fields, then one page mutex per lock stripe) + 3 pages + 3 spare pages
    expect(st.size).toBe(12288 + 6 * 4096);
    expect(st.blocks * 512).toBeGreaterThanOrEqual(st.size); // allocated: written, not ftruncated
    expect(readdirSync(t.dir)).toEqual(['cache.fmc']);
    const head = readFileSync(t.path).subarray(0, 100);
    expect(head.toString('latin1', 0, 8)).toBe('FMMAPCF1');
    expect(head.readUInt32LE(96)).toBe(crc32(head.subarray(0, 96)));
  });

  it('honours mode 0o640 and refuses group- or world-writable modes', () => {
    t.open({ ...SMALL, mode: 0o640 }).close();
    expect(statSync(t.path).mode & 0o777).toBe(0o640);
    expect(codeOf(() => t.open({ ...SMALL, path: join(t.dir, 'b'), mode: 0o666 }))).toBe(
      'ERR_FASTMMAP_INVALID_OPTION',
    );
    expect(existsSync(join(t.dir, 'b'))).toBe(false);
  });

  it('refuses a file of 2 GiB or more before creating anything', () => {
    expect(codeOf(() => t.open({ pageSize: 1 << 20, numPages: 2048 }))).toBe(
      'ERR_FASTMMAP_FILE_TOO_LARGE',
    );
    expect(readdirSync(t.dir)).toEqual([]);
  });

  it('refuses a default directory that is a regular file, saying so', () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = t.dir;
    try {
      writeFileSync(defaultCacheDir(), 'not a directory');
      expect(() => FastMmapCache.open({ appName: 'demo-app', ...SMALL })).toThrow(
        expect.objectContaining({
          code: 'ERR_FASTMMAP_UNSAFE_FILE',
          message: expect.stringMatching(/must be a directory, and is a regular file/),
        }),
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('refuses an appName that is not a plain file name with a typed error', () => {
    for (const appName of ['', '../up', 'a/b', '.hidden', 'x'.repeat(65), 'sp ace']) {
      expect(codeOf(() => FastMmapCache.open({ appName, ...SMALL }))).toBe(
        'ERR_FASTMMAP_INVALID_OPTION',
      );
    }
    // A number passes the pattern as "5": the message must still be about appName.
    expect(() => FastMmapCache.open({ appName: 5 as unknown as string, ...SMALL })).toThrow(
      /appName must be 1-64 characters/,
    );
  });

  it('creates the default directory private, and refuses an unsafe one', () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = t.dir;
    try {
      const cache = FastMmapCache.open({ appName: 'demo-app', ...SMALL });
      expect(cache.path).toBe(join(defaultCacheDir(), 'demo-app.v2.fmcache'));
      expect(statSync(defaultCacheDir()).mode & 0o777).toBe(0o700);
      cache.close();
      chmodSync(defaultCacheDir(), 0o770);
      expect(codeOf(() => FastMmapCache.open({ appName: 'demo-app' }))).toBe(
        'ERR_FASTMMAP_UNSAFE_FILE',
      );
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe('opening an existing file', () => {
  it('adopts the geometry silently when the caller gave none', () => {
    t.open({ pageSize: 8192, numPages: 5, lockStripes: 2 }).set('k', 1);
    const cache = t.open();
    expect(cache.stats()).toMatchObject({ pageSize: 8192, numPages: 5, lockStripes: 2 });
    expect(cache.get('k')).toBe(1);
  });

  it('ERR_FASTMMAP_GEOMETRY on a mismatch with explicit options, unless adoptGeometry', () => {
    t.open({ pageSize: 8192, numPages: 5 }).set('k', 1);
    const before = sha(t.path);
    expect(codeOf(() => t.open({ pageSize: 4096 }))).toBe('ERR_FASTMMAP_GEOMETRY');
    expect(codeOf(() => t.open({ pageSize: 8192, numPages: 7 }))).toBe('ERR_FASTMMAP_GEOMETRY');
    // The whole geometry of the file, not only the option that differs: with the page size
    // left out, a file of other pages shows only as "numPages".
    expect(messageOf(() => t.open({ numPages: 7 }))).toContain(
      'has numPages 5 (asked 7) (the file: pageSize 8192, numPages 5, lockStripes 5)',
    );
    expect(codeOf(() => t.open({ cacheSize: 8192 * 9 }))).toBe('ERR_FASTMMAP_GEOMETRY');
    expect(codeOf(() => t.open({ lockStripes: 3 }))).toBe('ERR_FASTMMAP_GEOMETRY');
    expect(sha(t.path)).toBe(before); // never resized or rewritten
    const adopted = t.open({ pageSize: 4096, numPages: 100, adoptGeometry: true });
    expect(adopted.stats()).toMatchObject({ pageSize: 8192, numPages: 5 });
    expect(adopted.get('k')).toBe(1);
    expect(t.open({ cacheSize: 8192 * 5 }).get('k')).toBe(1); // cacheSize measured in file pages
  });

  it('ERR_FASTMMAP_NOT_A_CACHE_FILE for empty, short, garbage and foreign files, untouched', () => {
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['short', Buffer.from('FMMAPCF1')],
      ['zeros', Buffer.alloc(4096 * 7)],
      ['garbage', Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7919) & 255))],
    ];
    for (const [name, bytes] of cases) {
      const path = join(t.dir, name);
      writeFileSync(path, bytes, { mode: 0o600 });
      expect(
        codeOf(() => FastMmapCache.open({ path })),
        name,
      ).toBe('ERR_FASTMMAP_NOT_A_CACHE_FILE');
      expect(readFileSync(path).equals(bytes), name).toBe(true);
    }
  });

  it('detects a damaged header, a wrong size and another format version', () => {
    t.open(SMALL).close();
    const good = readFileSync(t.path);
    const flipped = Buffer.from(good);
    flipped.writeUInt8(flipped.readUInt8(21) ^ 0x10, 21); // page size byte, CRC no longer matches
    writeFileSync(t.path, flipped);
    expect(codeOf(() => t.open())).toBe('ERR_FASTMMAP_NOT_A_CACHE_FILE');
    writeFileSync(t.path, Buffer.concat([good, Buffer.alloc(1)]));
    expect(codeOf(() => t.open())).toBe('ERR_FASTMMAP_NOT_A_CACHE_FILE');
    // Version 1 (flock on lock files) and a later one alike: no process may mix lock kinds.
    for (const version of [1, 3]) {
      const other = Buffer.from(good);
      other.writeUInt32LE(version, 8);
      other.writeUInt32LE(crc32(other.subarray(0, 96)), 96);
      writeFileSync(t.path, other);
      expect(codeOf(() => t.open())).toBe('ERR_FASTMMAP_VERSION');
    }
    expect(codeOf(() => t.open())).toBe('ERR_FASTMMAP_VERSION');
    expect(messageOf(() => t.open())).toMatch(/never converted: use another path, or stop every/);
  });

  it('refuses symlinks, directories, hard-linked and group/world-writable files', () => {
    t.open(SMALL).close();
    const link = join(t.dir, 'link');
    symlinkSync(t.path, link);
    expect(codeOf(() => FastMmapCache.open({ path: link }))).toBe('ERR_FASTMMAP_UNSAFE_FILE');
    const dir = join(t.dir, 'adir');
    mkdirSync(dir);
    expect(codeOf(() => FastMmapCache.open({ path: dir }))).toBe('ERR_FASTMMAP_UNSAFE_FILE');
    const hard = join(t.dir, 'hard');
    linkSync(t.path, hard);
    expect(codeOf(() => t.open())).toBe('ERR_FASTMMAP_UNSAFE_FILE');
    expect(codeOf(() => FastMmapCache.open({ path: hard }))).toBe('ERR_FASTMMAP_UNSAFE_FILE');
  });

  it('refuses a directory another user owns, even sticky (its owner can delete what is in it)', () => {
    const dir = join(t.dir, 'theirs');
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    chownSync(dir, 65534, 65534);
    const path = join(dir, 'cache.fmc');
    expect(codeOf(() => FastMmapCache.open({ path, ...SMALL }))).toBe('ERR_FASTMMAP_UNSAFE_FILE');
    expect(existsSync(path)).toBe(false);
    chownSync(dir, process.geteuid!(), process.getegid!());
    FastMmapCache.open({ path, ...SMALL }).close();
  });

  it('refuses a group-writable cache file', () => {
    t.open(SMALL).close();
    chmodSync(t.path, 0o620);
    expect(codeOf(() => t.open())).toBe('ERR_FASTMMAP_UNSAFE_FILE');
  });

  it('serves from no world-readable file, but opens one read-only (the CLI inspecting it)', () => {
    t.open(SMALL).close();
    chmodSync(t.path, 0o644);
    expect(codeOf(() => t.open())).toBe('ERR_FASTMMAP_UNSAFE_FILE');
    t.open({ readOnly: true }).close();
    chmodSync(t.path, 0o600);
    t.open().close();
  });

  it('refuses a network filesystem unless allowNetworkFilesystem (statfs faked by a test hook)', () => {
    const run = (allow: boolean) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { FastMmapCache } from ${JSON.stringify(built)};
           try { FastMmapCache.open({ path: ${JSON.stringify(t.path)}, allowNetworkFilesystem: ${allow} }).close(); console.log('opened'); }
           catch (err) { console.log(err.code); }`,
        ],
        {
          env: { ...process.env, FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_FSTYPE: '0x6969' },
          encoding: 'utf8',
        },
      ).stdout.trim();
    expect(run(false)).toBe('ERR_FASTMMAP_NETWORK_FS');
    expect(existsSync(t.path)).toBe(false);
    expect(run(true)).toBe('opened');
  });

  it('knows the network filesystems by their statfs magic', () => {
    expect(networkFilesystemName(0x6969)).toBe('NFS');
    expect(networkFilesystemName(0xff534d42)).toBe('CIFS');
    expect(networkFilesystemName(0xfe534d42)).toBe('SMB2');
    expect(networkFilesystemName(0x65735546)).toBe('FUSE');
    expect(networkFilesystemName(0x01021997)).toBe('9p');
    expect(networkFilesystemName(0x01021994)).toBeUndefined(); // tmpfs
    expect(networkFilesystemName(0xef53)).toBeUndefined(); // ext4
  });

  it('initFile starts empty without resizing the file', () => {
    t.open(SMALL).set('k', 1);
    const size = statSync(t.path).size;
    const fresh = t.open({ initFile: true });
    expect(fresh.get('k')).toBeUndefined();
    expect(statSync(t.path).size).toBe(size);
  });

  it('uses the codec recorded in the file, and refuses another one for writing', () => {
    t.open({ ...SMALL, codec: 'json' }).set('k', { a: 1 });
    expect(t.open().get('k')).toEqual({ a: 1 });
    expect(t.open().stats().codec).toBe('json');
    expect(codeOf(() => t.open({ codec: 'cbor' }))).toBe('ERR_FASTMMAP_INVALID_OPTION');
  });
});

describe('readOnly', () => {
  it('reads without write access, never creates, and refuses writes', () => {
    expect(codeOf(() => t.open({ readOnly: true }))).toBe('ERR_FASTMMAP_NOT_A_CACHE_FILE');
    expect(existsSync(t.path)).toBe(false);
    const writer = t.open(SMALL);
    writer.set('k', { v: 1 });
    writer.get('k');
    chmodSync(t.path, 0o400);
    const reader = t.open({ readOnly: true });
    expect(reader.get('k')).toEqual({ v: 1 });
    expect([...reader.keys()]).toEqual(['k']);
    expect(reader.stats().hits).toBe(1); // reads by a readOnly instance are not counted
    expect(reader.verify().ok).toBe(true);
    for (const write of [
      () => reader.set('k', 2),
      () => reader.delete('k'),
      () => reader.getAndSet('k', () => 2),
      () => reader.getAndDelete('k'),
      () => reader.touch('k'),
      () => reader.purge(),
      () => reader.clear(),
    ]) {
      expect(codeOf(write)).toBe('ERR_FASTMMAP_READ_ONLY');
    }
    chmodSync(t.path, 0o600);
    writer.set('k', { v: 2 });
    expect(reader.get('k')).toEqual({ v: 2 }); // sees other writers live
  });

  it('refuses readOnly with initFile', () => {
    expect(codeOf(() => t.open({ readOnly: true, initFile: true }))).toBe(
      'ERR_FASTMMAP_INVALID_OPTION',
    );
  });
});

describe('options', () => {
  it('validates geometry and timing options', () => {
    const bad: Record<string, unknown>[] = [
      { pageSize: 5000 },
      { pageSize: 2048 },
      { numPages: 0 },
      { numPages: 2.5 },
      { numPages: 3, cacheSize: 1 << 20 },
      { cacheSize: -1 },
      { expireTime: -1 },
      { expireTime: Number.NaN },
      { lockTimeout: -5 },
      { lockStripes: 0 },
      { lockStripes: 1000 },
      { clock: 'now' },
      { codec: 'xml' },
      { pressure: { intervalMs: 0 } },
    ];
    for (const options of bad) {
      expect(
        codeOf(() => t.open(options)),
        JSON.stringify(options),
      ).toBe('ERR_FASTMMAP_INVALID_OPTION');
    }
  });

  it('says what a custom codec lacks', () => {
    const encode = (v: unknown) => Buffer.from(String(v));
    const decode = (b: Uint8Array) => Buffer.from(b).toString();
    expect(messageOf(() => t.open({ ...SMALL, codec: { encode, decode } as never }))).toBe(
      'a custom codec is { name, encode, decode }; this one has no name (a string, recorded in the file header)',
    );
    expect(messageOf(() => t.open({ ...SMALL, codec: { name: 'text', encode } as never }))).toBe(
      'a custom codec is { name, encode, decode }; this one has no decode (a function)',
    );
    expect(t.open({ ...SMALL, codec: { name: 'text', encode, decode } }).stats().codec).toBe(
      'text',
    );
  });

  it('cacheSize sets the page count', () => {
    expect(t.open({ pageSize: 4096, cacheSize: 10_000 }).stats().numPages).toBe(3);
  });
});

describe('locks', () => {
  it('holds a shared lock on its directory while open, so systemd-tmpfiles does not age it', () => {
    const fsExt = createRequire(import.meta.url)('fs-ext') as {
      flockSync(fd: number, f: string): void;
    };
    // What systemd-tmpfiles tries before cleaning a directory: an exclusive, non-blocking lock.
    const tmpfilesWouldClean = () => {
      const fd = openSync(t.dir, 'r');
      try {
        fsExt.flockSync(fd, 'exnb');
        fsExt.flockSync(fd, 'un');
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        return false;
      } finally {
        closeSync(fd);
      }
    };
    const cache = t.open({ numPages: 1, pageSize: 4096 });
    expect(tmpfilesWouldClean()).toBe(false);
    const reader = FastMmapCache.open({ path: t.path, readOnly: true });
    reader.close(); // a reader's close leaves the writer's lock in place
    expect(tmpfilesWouldClean()).toBe(false);
    cache.close();
    expect(tmpfilesWouldClean()).toBe(true);
    // An open that fails after its locks were taken (bad pressure options) keeps none.
    const fds = readdirSync('/proc/self/fd').length;
    expect(codeOf(() => t.open({ numPages: 1, pageSize: 4096, pressure: { intervalMs: 0 } }))).toBe(
      'ERR_FASTMMAP_INVALID_OPTION',
    );
    expect(readdirSync('/proc/self/fd').length).toBe(fds);
    expect(tmpfilesWouldClean()).toBe(true);
  });
});

describe('a cache file deleted or replaced while open', () => {
  it('warns once, on a write at most 10 s later, that processes now split between two files', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const clock = manualClock();
      const cache = t.open<string>({ ...SMALL, codec: 'json', clock: clock.fn });
      cache.set('a', '1');
      clock.advance(20_000);
      cache.set('a', '2'); // the path still names the file: nothing to say
      expect(spy).not.toHaveBeenCalled();
      unlinkSync(t.path);
      cache.set('a', '3');
      expect(spy).not.toHaveBeenCalled(); // checked at most every 10 s
      clock.advance(10_000);
      cache.set('a', '4');
      expect(spy).toHaveBeenCalledTimes(1);
      const [message, options] = spy.mock.calls[0] as [string, { code: string; type: string }];
      expect(options).toEqual({
        type: 'FastMmapFileReplacedWarning',
        code: 'FASTMMAP_FILE_REPLACED',
      });
      expect(message).toMatch(/was deleted or replaced .* Restart every process/);
      clock.advance(60_000);
      cache.set('a', '5');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(cache.get('a')).toBe('5'); // this process keeps its mapping
    } finally {
      spy.mockRestore();
    }
  });

  it('still checks after the clock was set back by hours', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const clock = manualClock();
      const cache = t.open<string>({ ...SMALL, codec: 'json', clock: clock.fn });
      cache.set('a', '1');
      clock.advance(-3_600_000); // an NTP step back by an hour
      cache.set('a', '2'); // checks now (the path is fine) and restarts the 10 s
      unlinkSync(t.path);
      clock.advance(10_000);
      cache.set('a', '3');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![1]).toMatchObject({ code: 'FASTMMAP_FILE_REPLACED' });
    } finally {
      spy.mockRestore();
    }
  });

  it('sees a file replaced by another at the same path', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const clock = manualClock();
      const cache = t.open<string>({ ...SMALL, codec: 'json', clock: clock.fn });
      unlinkSync(t.path);
      const other = t.open<string>({ ...SMALL, codec: 'json', clock: clock.fn });
      other.set('b', '1');
      clock.advance(10_000);
      cache.set('a', '1');
      expect(spy).toHaveBeenCalledTimes(1);
      other.set('b', '2');
      expect(spy).toHaveBeenCalledTimes(1); // the new file's own instance: nothing wrong
    } finally {
      spy.mockRestore();
    }
  });
});
