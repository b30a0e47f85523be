// This package's own mapping (native/map-file.c), used when @riaskov/mmap-io is not built (its
// build fails on Node 23+). The vitest project "session-core cache on its own map" runs the
// cache tests again with FASTMMAP_TEST_OWN_MAP=1 forcing it in every process.
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRobustMutex, mmapProvider } from '../../src/cache/native-addons.js';
import { requireBuiltDist, scratchDir } from './helpers.js';

const OWN = '@fastmmap/session-core';
const MMAP_IO = '@riaskov/mmap-io';
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

// Before Node 23 mmap-io builds (the lockfile installs it): the tests must see both addons.
const mmapIo = (() => {
  try {
    return createRequire(import.meta.url)('@riaskov/mmap-io') as typeof addon;
  } catch (err) {
    if (Number(process.versions.node.split('.')[0]) < 23) throw err;
    return undefined;
  }
})();
const forced = process.env.FASTMMAP_TEST_HOOKS === '1' && process.env.FASTMMAP_TEST_OWN_MAP === '1';
const addon = loadRobustMutex();

let t: ReturnType<typeof scratchDir>;
requireBuiltDist();
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

/** Runs map-provider.mjs on t.path, forced onto our map or not; its report. */
function child(own: boolean, mode: 'rw' | 'ro', key = '', value = '') {
  const run = spawnSync(process.execPath, [fixture('map-provider.mjs'), t.path, mode, key, value], {
    encoding: 'utf8',
    env: { ...process.env, FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_OWN_MAP: own ? '1' : '0' },
    timeout: 30_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as { provider: string; values: Record<string, string> };
}

describe('which addon maps the file', () => {
  it('mmap-io when it is built, ours when it is not or FASTMMAP_TEST_OWN_MAP=1', () => {
    expect(mmapProvider()).toBe(forced || mmapIo === undefined ? OWN : MMAP_IO);
  });

  it('processes on either addon share one file, read-write and read-only', () => {
    const viaMmapIo = mmapIo === undefined ? OWN : MMAP_IO;
    expect(child(false, 'rw', 'a', '1')).toEqual({ provider: viaMmapIo, values: { a: '1' } });
    expect(child(true, 'rw', 'b', '2')).toEqual({ provider: OWN, values: { a: '1', b: '2' } });
    expect(child(false, 'rw', 'a', '3')).toEqual({
      provider: viaMmapIo,
      values: { a: '3', b: '2' },
    });
    const both = { a: '3', b: '2' };
    expect(child(true, 'ro')).toEqual({ provider: OWN, values: both });
    expect(child(false, 'ro')).toEqual({ provider: viaMmapIo, values: both });
  });
});

describe('map(size, protection, MAP_SHARED, fd, offset)', () => {
  it('writes through to the file and reads what others write', () => {
    const fd = openSync(t.path, 'w+');
    try {
      ftruncateSync(fd, 8192);
      const one = addon.map(8192, addon.PROT_READ | addon.PROT_WRITE, addon.MAP_SHARED, fd, 0);
      const two = addon.map(8192, addon.PROT_READ, addon.MAP_SHARED, fd, 0);
      one.writeUInt32LE(0xfeedbeef, 4096);
      expect(one.length).toBe(8192);
      expect(two.readUInt32LE(4096)).toBe(0xfeedbeef);
    } finally {
      closeSync(fd);
    }
  });

  it('fails as mmap-io does ("mmap failed, <errno>"), with the errno name as code', () => {
    const fd = openSync(t.path, 'w+');
    ftruncateSync(fd, 8192);
    closeSync(fd);
    const readOnly = openSync(t.path, 'r');
    const thrown = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err as NodeJS.ErrnoException;
      }
      throw new Error('nothing was thrown');
    };
    try {
      const rw = addon.PROT_READ | addon.PROT_WRITE;
      // A writable shared mapping of a descriptor opened read-only.
      const denied = thrown(() => addon.map(8192, rw, addon.MAP_SHARED, readOnly, 0));
      expect(denied).toBeInstanceOf(Error);
      expect(denied).toMatchObject({ message: 'mmap failed, 13', code: 'EACCES', errno: 13 });
      if (mmapIo) {
        const theirs = thrown(() => mmapIo.map(8192, rw, mmapIo.MAP_SHARED, readOnly, 0));
        expect(theirs.message).toBe(denied.message);
      }
      expect(thrown(() => addon.map(8192, addon.PROT_READ, addon.MAP_SHARED, -1, 0))).toMatchObject(
        { message: 'mmap failed, 9', code: 'EBADF' },
      );
    } finally {
      closeSync(readOnly);
    }
  });

  it('refuses what the cache never asks for: a TypeError, no mapping', () => {
    const { PROT_READ, PROT_WRITE, MAP_SHARED } = addon;
    const bad: unknown[][] = [
      [8192, PROT_READ, MAP_SHARED],
      [0, PROT_READ, MAP_SHARED, 0, 0],
      [2 ** 31, PROT_READ, MAP_SHARED, 0, 0],
      [8192, PROT_WRITE, MAP_SHARED, 0, 0],
      [8192, PROT_READ, MAP_SHARED | 0x20, 0, 0],
      [8192, PROT_READ, MAP_SHARED, 0, 100],
      ['8192', PROT_READ, MAP_SHARED, 0, 0],
      // Not whole numbers, or past int32: N-API's int getters would make these 0, 4096 or 3.
      [Number.NaN, PROT_READ, MAP_SHARED, 0, 0],
      [4096.5, PROT_READ, MAP_SHARED, 0, 0],
      [8192, 2 ** 32 + PROT_READ, MAP_SHARED, 0, 0],
      [8192, PROT_READ, 2 ** 32 + MAP_SHARED, 0, 0],
      [8192, PROT_READ, MAP_SHARED, 2 ** 32, 0],
      [8192, PROT_READ, MAP_SHARED, Number.NaN, 0],
      [8192, PROT_READ, MAP_SHARED, 0, Number.NaN],
      [8192, PROT_READ, MAP_SHARED, 0, Number.POSITIVE_INFINITY],
      [8192, PROT_READ, MAP_SHARED, 0, 0.5],
    ];
    for (const args of bad) {
      const map = addon.map as (...a: unknown[]) => Buffer;
      expect(() => map(...args), String(args)).toThrow(TypeError);
    }
  });

  it('takes an undefined offset as an omitted one (offset?: number), as mmap-io does', () => {
    const fd = openSync(t.path, 'w+');
    try {
      ftruncateSync(fd, 8192);
      const map = addon.map(8192, addon.PROT_READ, addon.MAP_SHARED, fd, undefined);
      expect(map.length).toBe(8192);
    } finally {
      closeSync(fd);
    }
  });

  it('a mapping nothing references is unmapped when it is garbage-collected', () => {
    const run = spawnSync(process.execPath, ['--expose-gc', fixture('map-gc.cjs'), t.path], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ before: 200, after: 0 });
  });
});
