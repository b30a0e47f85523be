import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KoaSessionStore, type KoaSessionStoreOptions } from '@fastmmap/koa/store';
import Koa from 'koa';
import koaSession from 'koa-session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/conformance-app.js';

let dir: string;
let offset = 0;
const clock = () => Date.now() + offset;
const servers: Server[] = [];
const stores: KoaSessionStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fastmmap-koa-store-'));
  offset = 0;
});
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
  for (const s of stores.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(options: KoaSessionStoreOptions = {}) {
  const store = new KoaSessionStore({
    path: join(dir, 'koa.fmcache'),
    numPages: 4,
    clock,
    ...options,
  });
  stores.push(store);
  return store;
}

type KoaSessionObject = Record<string, unknown> & { regenerate(): Promise<void> };

/** A koa-session app the way existing apps are written, with the store swapped in. */
async function startApp(store: KoaSessionStore, maxAge: number | 'session' = 60_000) {
  const app = new Koa();
  app.keys = ['koa-store-test-key-0123456789abcdefghijkl'];
  app.silent = true;
  app.use(koaSession({ store, maxAge }, app));
  app.use(async (ctx) => {
    // koa-session's own session object, which its typings leave untyped; importing
    // @fastmmap/koa types ctx.session as this package's Session, so view it as koa-session's.
    const koa = ctx as unknown as { session: KoaSessionObject | null };
    const s = koa.session;
    if (ctx.path === '/inc') {
      s!.views = ((s!.views as number | undefined) ?? 0) + 1;
      ctx.body = { views: s!.views };
    } else if (ctx.path === '/regenerate') {
      await s!.regenerate();
      ctx.body = { ok: true };
    } else if (ctx.path === '/logout') {
      koa.session = null;
      ctx.body = { ok: true };
    } else {
      ctx.body = { views: s?.views ?? null };
    }
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const url = await listen(server);
  let jar = '';
  const go = async (path: string, cookie = jar) => {
    const res = await fetch(url + path, { headers: cookie ? { cookie } : {} });
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
    if (set.length > 0 && cookie === jar) jar = set.join('; ');
    return (await res.json()) as { views: number | null };
  };
  const key = () => /koa\.sess=([^;]+)/.exec(jar)?.[1] ?? '';
  return { go, key, cookie: () => jar };
}

describe('KoaSessionStore with the real koa-session 7', () => {
  it("keeps koa-session's record (_expire, _maxAge) for its maxAge + 10 s", async () => {
    const store = openStore();
    const app = await startApp(store);
    await app.go('/inc');
    expect(await app.go('/inc')).toEqual({ views: 2 });
    const key = `sess:${app.key()}`;
    const record = store.cache.get(key)!;
    expect(record.views).toBe(2);
    expect(typeof record._expire).toBe('number');
    expect(record._maxAge).toBe(60_000);
    const ttl = store.cache.getEntry(key)!.expiresAt - clock();
    expect(Math.abs(ttl - 70_000)).toBeLessThan(2_000);
    offset += 71_000;
    expect(store.cache.get(key)).toBeUndefined();
  });

  it("maxAge 'session' gets the store's sessionTtl", async () => {
    const store = openStore({ sessionTtl: 30 * 60_000 });
    const app = await startApp(store, 'session');
    await app.go('/inc');
    const key = `sess:${app.key()}`;
    expect(store.cache.get(key)!._session).toBe(true);
    const ttl = store.cache.getEntry(key)!.expiresAt - clock();
    expect(Math.abs(ttl - 30 * 60_000)).toBeLessThan(2_000);
    expect(await app.go('/inc')).toEqual({ views: 2 });
  });

  it("maxAge 'session': each read moves the entry, so an active user stays logged in past sessionTtl", async () => {
    const store = openStore({ sessionTtl: 10 * 60_000 });
    const app = await startApp(store, 'session');
    await app.go('/inc');
    const key = `sess:${app.key()}`;
    // Reads only: koa-session saves nothing while the session is unchanged.
    for (let i = 0; i < 3; i++) {
      offset += 6 * 60_000;
      expect(await app.go('/me')).toEqual({ views: 1 });
    }
    const ttl = store.cache.getEntry(key)!.expiresAt - clock();
    expect(Math.abs(ttl - 10 * 60_000)).toBeLessThan(2_000);
    // Idle for longer than sessionTtl: gone.
    offset += 10 * 60_000 + 1;
    expect(await app.go('/me')).toEqual({ views: null });
  });

  it("maxAge 'session': reads move the entry at most once per tenth of sessionTtl, not on every request", async () => {
    const store = openStore({ sessionTtl: 10 * 60_000 });
    const app = await startApp(store, 'session');
    await app.go('/inc');
    const key = `sess:${app.key()}`;
    const stored = store.cache.getEntry(key)!.expiresAt;
    // Within a tenth of sessionTtl: each read is a read only (no write to the file).
    for (let i = 0; i < 5; i++) {
      offset += 10_000;
      expect(await app.go('/me')).toEqual({ views: 1 });
      expect(store.cache.getEntry(key)!.expiresAt).toBe(stored);
    }
    expect(store.cache.stats().sets).toBe(1);
    // A tenth has passed since it was stored: the next read moves it a full sessionTtl on.
    offset += 10_000;
    expect(await app.go('/me')).toEqual({ views: 1 });
    const ttl = store.cache.getEntry(key)!.expiresAt - clock();
    expect(Math.abs(ttl - 10 * 60_000)).toBeLessThan(2_000);
    // A write to the file, which fastmmap stats counts with the others.
    expect(store.cache.stats().sets).toBe(2);
  });

  it('a session too large is ERR_SESSION_TOO_LARGE naming the id by a prefix; the old one stays', async () => {
    const store = openStore();
    const key = '5db0f8b5-944a-482f-ba8d-9ce2f0e7d532'; // koa-session's uuid keys
    await store.set(key, { views: 1, _expire: clock() + 60_000, _maxAge: 60_000 }, 60_000);
    const big = { big: 'x'.repeat(2 ** 21), _expire: clock() + 60_000, _maxAge: 60_000 };
    const err = await store.set(key, big, 60_000).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_TOO_LARGE' });
    expect((err as Error).message).toContain('KoaSessionStore could not store a session');
    expect((err as Error).message).toContain('sess:5db0f8…');
    expect((err as Error).message).not.toContain(key);
    expect((await store.get(key))?.views).toBe(1);
  });

  it('ctx.session = null destroys it; regenerate moves the data to a new key', async () => {
    const store = openStore();
    const app = await startApp(store);
    await app.go('/inc');
    const first = app.key();
    await app.go('/regenerate');
    const second = app.key();
    expect(second).not.toBe(first);
    expect(store.cache.get(`sess:${first}`)).toBeUndefined();
    expect(store.cache.get(`sess:${second}`)!.views).toBe(1);
    await app.go('/logout');
    expect(store.cache.get(`sess:${second}`)).toBeUndefined();
  });

  it('a key no session can have (client-chosen with signed: false) is a miss, not an error', async () => {
    const store = openStore();
    expect(await store.get('a'.repeat(2000))).toBeUndefined();
    const app = new Koa();
    app.silent = true;
    app.use(koaSession({ store, signed: false }, app));
    app.use((ctx) => {
      const session = ctx.session as unknown as Record<string, number>;
      session.views = (session.views ?? 0) + 1;
      ctx.body = { views: session.views };
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    const url = await listen(server);
    const res = await fetch(url, { headers: { cookie: `koa.sess=${'a'.repeat(2000)}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ views: 1 });
  });

  it('two stores on one file (two processes, in effect) share sessions', async () => {
    const a = await startApp(openStore());
    const b = await startApp(openStore());
    await a.go('/inc');
    expect(await b.go('/inc', a.cookie())).toEqual({ views: 2 });
  });

  it('rejects a bad sessionTtl, and reports a file it cannot open, as SessionErrors', () => {
    expect(() => openStore({ sessionTtl: 0 })).toThrow(
      expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_OPTIONS' }),
    );
    expect(() => openStore({ pageSize: 5 })).toThrow(
      expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_OPTIONS' }),
    );
    const notAFile = mkdtempSync(join(tmpdir(), 'koa-store-dir-'));
    try {
      expect(() => new KoaSessionStore({ path: notAFile })).toThrow(
        expect.objectContaining({
          name: 'SessionError',
          code: 'ERR_SESSION_STORE_UNAVAILABLE',
          cause: expect.objectContaining({ name: 'FastMmapError' }),
        }),
      );
    } finally {
      rmSync(notAFile, { recursive: true, force: true });
    }
  });
});

describe('KoaSessionStore options', () => {
  it('refuses options it does not read, with hints in its own terms', () => {
    expect(() => new KoaSessionStore({ storage: '/tmp/x.fmcache', ttl: 1000 } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_SESSION_OPTIONS',
        message: expect.stringMatching(/storage: use path[\s\S]*ttl: koa-session's maxAge/),
      }),
    );
  });

  it('reads inherited options too, as the other stores do (a rest spread dropped them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'koa-inherited-'));
    try {
      const path = join(dir, 'inherited.fmcache');
      const store = new KoaSessionStore(Object.create({ path, numPages: 2, pageSize: 4096 }));
      expect(store.cache.path).toBe(path);
      store.cache.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
