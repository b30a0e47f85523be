// Options nothing reads are refused, not ignored: `path` given to FastMmapStore (whose option
// is `storage`) silently opened the default file shared by every app of the user.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastMmapCache, FastMmapError } from '../../src/cache/index.js';
import { FastMmapStore, MemoryStore, SessionError } from '../../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'unknown-options-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('no error thrown');
}

describe('unknown options', () => {
  it('FastMmapStore: path (the cache and drop-in stores name) points to storage', () => {
    const path = join(dir, 'mine.fmcache');
    const err = thrown(() => new FastMmapStore({ path } as never));
    expect(err).toBeInstanceOf(SessionError);
    expect(err).toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
    expect(err.message).toContain('path: use storage');
    expect(err.message).toContain('options are storage, appName');
    expect(existsSync(path)).toBe(false);
  });

  it("FastMmapStore: Cache::FastMmap's names and plain typos are named too", () => {
    const err = thrown(
      () => new FastMmapStore({ share_file: 'x', expireTime: 1, cahceSize: 1 } as never),
    );
    expect(err.message).toContain('share_file: use storage');
    expect(err.message).toContain('expireTime: use expires (ms)');
    expect(err.message).toContain('cahceSize: not an option');
  });

  it('FastMmapCache: storage (the store name) points to path, nothing is created', () => {
    const path = join(dir, 'cache.fmcache');
    const err = thrown(() => FastMmapCache.open({ storage: path } as never));
    expect(err).toBeInstanceOf(FastMmapError);
    expect(err).toMatchObject({ code: 'ERR_FASTMMAP_INVALID_OPTION' });
    expect(err.message).toContain('storage: use path');
    expect(existsSync(path)).toBe(false);
  });

  it('MemoryStore refuses unknown keys and a clock that is not a function', () => {
    expect(thrown(() => new MemoryStore({ maxsize: 10 } as never))).toMatchObject({
      code: 'ERR_SESSION_OPTIONS',
      message: expect.stringContaining('maxsize: not an option'),
    });
    expect(thrown(() => new MemoryStore({ clock: 1 } as never))).toMatchObject({
      code: 'ERR_SESSION_OPTIONS',
    });
    new MemoryStore({ clock: () => 0, maxSize: 10 }).close();
  });

  it('refuses flags, a pressure and a cache of the wrong type, creating nothing', () => {
    const path = join(dir, 'typed.fmcache');
    for (const options of [{ initFile: 'yes' }, { readOnly: 1 }, { pressure: 5 }]) {
      expect(thrown(() => FastMmapCache.open({ path, ...options } as never))).toMatchObject({
        code: 'ERR_FASTMMAP_INVALID_OPTION',
      });
    }
    expect(
      thrown(() => new FastMmapStore({ storage: path, initFile: 'yes' } as never)),
    ).toMatchObject({
      code: 'ERR_SESSION_OPTIONS',
    });
    expect(thrown(() => new FastMmapStore({ cache: {} } as never))).toMatchObject({
      code: 'ERR_SESSION_OPTIONS',
      message: expect.stringContaining('cache must be a FastMmapCache'),
    });
    expect(existsSync(path)).toBe(false);
  });

  it('the known options still open', () => {
    const store = new FastMmapStore({
      storage: join(dir, 's.fmcache'),
      numPages: 2,
      pageSize: 4096,
    });
    store.close();
    FastMmapCache.open({ path: join(dir, 'c.fmcache'), numPages: 2, pageSize: 4096 }).close();
  });
});
