import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastMmapError } from '../../src/cache/index.js';
import { mapFailure, mapFailureMessage } from '../../src/cache/map-failure.js';
import { requireBuiltDist, scratchDir } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/map-under-limit.mjs', import.meta.url));
const MiB = 1024 * 1024;

requireBuiltDist();

describe('a cache file the kernel will not map', () => {
  let t: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    t = scratchDir();
  });
  afterEach(() => t.cleanup());

  /** The fixture in a shell whose `ulimit -v` (KiB) is `limitKiB`, TMPDIR in the scratch dir. */
  const run = (limitKiB: number | 'unlimited', ...args: string[]) => {
    const child = spawnSync(
      '/bin/sh',
      ['-c', `ulimit -v ${limitKiB} && exec "$0" "$@"`, process.execPath, fixture, t.dir, ...args],
      { encoding: 'utf8', env: { ...process.env, TMPDIR: t.dir } },
    );
    expect(child.stderr).toBe('');
    return child.stdout.trim();
  };

  it('fails the open with ERR_FASTMMAP_MAP_FAILED naming the address-space limit (ulimit -v), in a real process', () => {
    // The limit leaves 64 MiB above what the process already uses; the file needs 128.
    const limit = Number(run('unlimited', 'measure')) + 64 * 1024;
    const cache = JSON.parse(run(limit, String(128 * MiB), 'cache'));
    expect(cache.code).toBe('ERR_FASTMMAP_MAP_FAILED');
    expect(cache.message).toContain('(ENOMEM)');
    expect(cache.message).toContain(`${limit * 1024} bytes of address space`);
    expect(cache.message).toContain('ulimit -v');

    // The file stays at its size: a smaller cacheSize on the same path is refused, so the
    // advice names another path.
    expect(cache.message).toContain('with another path');
    const smaller = JSON.parse(run(limit, String(16 * MiB), 'cache'));
    expect(smaller.code).toBe('ERR_FASTMMAP_GEOMETRY');

    // The store's error wraps it, without the advice to move the default path (it cannot help).
    const store = JSON.parse(run(limit, String(128 * MiB), 'store'));
    expect(store.code).toBe('ERR_SESSION_STORE_UNAVAILABLE');
    expect(store.cause).toBe('ERR_FASTMMAP_MAP_FAILED');
    expect(store.message).toContain('ulimit -v');
    expect(store.message).not.toContain('TMPDIR');

    // Under no limit the same file opens: it was built whole before the map failed.
    expect(JSON.parse(run('unlimited', String(128 * MiB), 'cache'))).toEqual({ opened: true });
  });

  it('names the errno from either addon: ours sets code, mmap-io says only "mmap failed, <n>"', () => {
    const fromMmapIo = mapFailure(new Error('mmap failed, 19'), 4096);
    expect(fromMmapIo).toBeInstanceOf(FastMmapError);
    expect((fromMmapIo as FastMmapError).code).toBe('ERR_FASTMMAP_MAP_FAILED');
    expect((fromMmapIo as FastMmapError).message).toContain('(ENODEV)');
    const ours = Object.assign(new Error('mmap failed, 13'), { code: 'EACCES', errno: 13 });
    expect((mapFailure(ours, 4096) as Error).message).toContain('(EACCES)');
    expect((mapFailure(ours, 4096) as Error).cause).toBe(ours);
  });

  it('passes through what is not a failed map (a bad argument is a bug, not a limit)', () => {
    const bad = new TypeError('size must be an integer');
    expect(mapFailure(bad, 4096)).toBe(bad);
  });

  it('says which limit refused it: address space, the mapping count, or neither', () => {
    const size = 64 * MiB;
    const tight = { limit: 1e9, used: 1e9 - size / 2 };
    expect(mapFailureMessage('ENOMEM', size, { addressSpace: tight })).toContain(
      '1000000000 bytes of address space',
    );
    // A limit the file would fit under is not what refused it.
    const roomy = { limit: 64e9, used: 1e9 };
    const counted = { count: 65530, max: 65530 };
    const maps = mapFailureMessage('ENOMEM', size, { addressSpace: roomy, mappings: counted });
    expect(maps).not.toContain('address space');
    expect(maps).toContain('vm.max_map_count');
    expect(maps).toContain('65530 memory mappings');
    const neither = mapFailureMessage('ENOMEM', size, { mappings: { count: 90, max: 65530 } });
    expect(neither).not.toContain('max_map_count');
    expect(neither).toContain('smaller cacheSize with another path');
    expect(neither).toContain('fastmmap copy');
    expect(mapFailureMessage('ENODEV', size, {})).toContain('local disk or a tmpfs');
    expect(mapFailureMessage('EPERM', size, {})).toContain('(EPERM)');
  });
});
