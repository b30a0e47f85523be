import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FastMmapCache, FastMmapError } from '../../src/cache/index.js';
import { FastMmapStore } from '../../src/index.js';
import { mapCacheError } from '../../src/store/cache-errors.js';
import { fakeClock } from '../helpers.js';

// The contract is checked by packages/store-test-suite; these are FastMmapStore's own promises.
const dir = mkdtempSync(join(tmpdir(), 'fm-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `s${++n}.fmcache`);

describe('FastMmapStore', () => {
  it('keeps each session as one `sess:<id>` record with its expiry', async () => {
    const clock = fakeClock();
    const store = new FastMmapStore({ storage: file(), numPages: 4, clock });
    await store.store('abc', { n: 1 }, 60_000);
    expect([...store.cache.keys()]).toEqual(['sess:abc']);
    expect(store.cache.getEntry('sess:abc')?.expiresAt).toBe(clock() + 60_000);
    await store.close();
  });

  it('reports a session too large for a page as ERR_SESSION_TOO_LARGE with the cache error as cause, keeping the old one', async () => {
    const store = new FastMmapStore({ storage: file(), numPages: 2, pageSize: 4096 });
    await store.store('s', { keep: 1 }, 60_000);
    const err = await store
      .store('s', { big: 'x'.repeat(10_000) }, 60_000)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_TOO_LARGE' });
    expect((err as Error).cause).toBeInstanceOf(FastMmapError);
    expect((err as { cause: FastMmapError }).cause.code).toBe('ERR_FASTMMAP_VALUE_TOO_LARGE');
    expect(await store.get('s')).toEqual({ keep: 1 });
    await store.close();
  });

  it('names a session in error messages by a short prefix of its id, never the whole id', async () => {
    const store = new FastMmapStore({ storage: file(), numPages: 2, pageSize: 4096 });
    const id = 'Zx9kQ2mB7pL4vN8cR1tY6wE3uI5oA0sD2fG4hJ6kL8z';
    const err = (await store
      .store(id, { big: 'x'.repeat(10_000) }, 60_000)
      .catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
    expect(err.message).toContain('sess:Zx9kQ2…');
    expect(err.message).not.toContain(id);
    // A custom id longer than the 64 characters the cache quotes of a key.
    const long = `${id}${id}`;
    const longErr = (await store
      .store(long, { big: 'x'.repeat(10_000) }, 60_000)
      .catch((e: unknown) => e)) as Error;
    expect(longErr.message).toContain('sess:Zx9kQ2…');
    expect(longErr.message).not.toContain(long.slice(0, 20));
    await store.close();
  });

  it('counts what deleteExpired purged', async () => {
    const clock = fakeClock();
    const store = new FastMmapStore({ storage: file(), numPages: 4, clock });
    await store.store('a', {}, 1000);
    await store.store('b', {}, 1000);
    await store.store('c', {}, 5000);
    clock.advance(1000);
    expect(await store.deleteExpired()).toBe(2);
    await store.close();
  });

  it('uses a cache it is given, under sess: keys, and leaves it open on close', async () => {
    const cache = FastMmapCache.open({ path: file(), numPages: 4 });
    cache.set('other', 'value');
    const store = new FastMmapStore({ cache });
    await store.store('id', { n: 1 }, 60_000);
    await store.close();
    expect(cache.get('sess:id')).toEqual({ n: 1 });
    expect(cache.get('other')).toBe('value');
    await expect(store.get('id')).rejects.toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
    cache.close();
  });

  it('turns a cache closed under it into ERR_SESSION_STORE_UNAVAILABLE', async () => {
    const cache = FastMmapCache.open({ path: file(), numPages: 4 });
    const store = new FastMmapStore({ cache });
    cache.close();
    const err = await store.get('id').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
    expect((err as { cause: FastMmapError }).cause.code).toBe('ERR_FASTMMAP_CLOSED');
  });

  it.each([
    [{ appName: '../escape' }],
    [{ storage: file(), expires: 0 }],
    [{ storage: file(), pageSize: 1000 }],
    [{ storage: file(), cacheSize: 1 << 20, numPages: 4 }],
    [{ storage: file(), decodeCache: -1 }],
  ])('refuses bad options %j with ERR_SESSION_OPTIONS', (options) => {
    expect(() => new FastMmapStore(options)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }),
    );
  });

  it("a file of another size: ERR_SESSION_OPTIONS with this store's way to keep the size", () => {
    const storage = file();
    new FastMmapStore({ storage, numPages: 4, pageSize: 4096 }).close();
    let caught: unknown;
    try {
      new FastMmapStore({ storage, numPages: 8, pageSize: 4096 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
    expect((caught as Error).message).toContain(
      'cache: FastMmapCache.open({ path, adoptGeometry: true })',
    );
    const kept = new FastMmapStore({
      cache: FastMmapCache.open({ path: storage, adoptGeometry: true }),
    });
    expect(kept.cache.stats().numPages).toBe(4);
    kept.cache.close();
  });

  it('deleteExpired() purges in batches, letting the event loop run between them', async () => {
    const clock = fakeClock();
    const store = new FastMmapStore({ storage: file(), numPages: 100, pageSize: 4096, clock });
    for (let i = 0; i < 300; i++) await store.store(`expiring-${i}-${'x'.repeat(16)}`, { i }, 1000);
    await store.store(`kept-${'x'.repeat(20)}`, { kept: true }, 60_000);
    clock.advance(2000);
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    const removed = await store.deleteExpired();
    order.push('purged');
    expect(removed).toBe(300); // every page, across the batches
    expect(order).toEqual(['other work', 'purged']);
    expect(await store.get(`kept-${'x'.repeat(20)}`)).toMatchObject({ kept: true });
    await store.close();
  });

  it('a file that cannot be opened is named in the message, not only a lock file beside it', () => {
    const path = join(file(), 'sessions.fmcache'); // under a regular file: ENOTDIR
    writeFileSync(dirname(path), '');
    expect(() => new FastMmapStore({ storage: path })).toThrow(
      expect.objectContaining({
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        message: expect.stringContaining(`could not open the session file ${path}: `),
      }),
    );
  });

  it('maps each cache error code onto a session code', () => {
    const cases = {
      ERR_FASTMMAP_VALUE_TOO_LARGE: 'ERR_SESSION_TOO_LARGE',
      ERR_FASTMMAP_INVALID_KEY: 'ERR_SESSION_INVALID_ID',
      ERR_FASTMMAP_ENCODE: 'ERR_SESSION_UNSUPPORTED_DATA',
      ERR_FASTMMAP_LOCK_TIMEOUT: 'ERR_SESSION_STORE_UNAVAILABLE',
      ERR_FASTMMAP_CLOSED: 'ERR_SESSION_STORE_UNAVAILABLE',
      ERR_FASTMMAP_NOT_A_CACHE_FILE: 'ERR_SESSION_STORE_UNAVAILABLE',
      ERR_FASTMMAP_GEOMETRY: 'ERR_SESSION_OPTIONS',
    } as const;
    for (const [cacheCode, sessionCode] of Object.entries(cases)) {
      const cause = new FastMmapError(cacheCode as keyof typeof cases, 'x');
      const mapped = mapCacheError(cause, 'test');
      expect(mapped).toMatchObject({ code: sessionCode, cause });
    }
    const plain = new Error('not ours');
    expect(mapCacheError(plain, 'test')).toBe(plain);
  });
});
