import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { FastMmapStore, MemoryStore, type Store } from '@fastmmap/session-core';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FastifySessionStore } from '../src/store.js';

declare module 'fastify' {
  interface Session {
    user?: string;
    views?: number;
  }
}

const secret = 'a-secret-of-at-least-32-characters!!';
const apps: FastifyInstance[] = [];

/** A Store that records the ttl of every write, around a real MemoryStore. */
function recordingStore(inner: Store = new MemoryStore()) {
  const ttls: number[] = [];
  const store: Store = {
    get: (id) => inner.get(id),
    store: (id, data, ttl) => {
      ttls.push(ttl);
      return inner.store(id, data, ttl);
    },
    delete: (id) => inner.delete(id),
    deleteExpired: () => inner.deleteExpired(),
    getAndSet: (id, fn, ttl) => inner.getAndSet(id, fn, ttl),
    close: () => inner.close(),
  };
  return { store, ttls };
}

/** One "worker": @fastify/cookie + @fastify/session with our store, as a user would write it. */
async function worker(store: FastifySessionStore, maxAge = 60_000) {
  const app = Fastify();
  apps.push(app);
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret,
    store,
    saveUninitialized: false,
    cookie: { secure: false, maxAge },
  });
  app.post('/login', async (request) => {
    await request.session.regenerate();
    request.session.user = 'ann';
    return { id: request.session.sessionId };
  });
  app.post('/view', (request) => {
    request.session.views = (request.session.views ?? 0) + 1;
    return { views: request.session.views };
  });
  app.get('/me', (request) => ({
    user: request.session.user ?? null,
    id: request.session.sessionId,
  }));
  app.post('/regenerate', async (request) => {
    await request.session.regenerate(['user']);
    return { id: request.session.sessionId };
  });
  app.post('/logout', async (request) => {
    await request.session.destroy();
    return { ok: true };
  });
  return app;
}

const cookieOf = (res: LightMyRequestResponse) => {
  const header = [res.headers['set-cookie'] ?? []].flat()[0];
  if (header === undefined) throw new Error(`no Set-Cookie on ${res.statusCode} ${res.body}`);
  return header.split(';', 1)[0]!;
};

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('FastifySessionStore with the real @fastify/session', () => {
  it('logs in, persists across two app instances sharing the store, and counts', async () => {
    const { store } = recordingStore();
    const a = await worker(new FastifySessionStore({ store }));
    const b = await worker(new FastifySessionStore({ store }));

    const login = await a.inject({ method: 'POST', url: '/login' });
    const cookie = cookieOf(login);
    const { id } = login.json<{ id: string }>();
    expect(await store.get(id)).toMatchObject({ user: 'ann' });

    const me = await b.inject({ url: '/me', headers: { cookie } });
    expect(me.json()).toEqual({ user: 'ann', id });
    await a.inject({ method: 'POST', url: '/view', headers: { cookie } });
    const second = await b.inject({ method: 'POST', url: '/view', headers: { cookie } });
    expect(second.json()).toEqual({ views: 2 });
  });

  it('shares sessions between two FastMmapStores on one file (two workers)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastmmap-fastify-store-'));
    const file = join(dir, 'sessions.fmcache');
    const stores = [0, 1].map(() => new FastMmapStore({ storage: file, numPages: 8 }));
    try {
      const [a, b] = await Promise.all(
        stores.map((store) => worker(new FastifySessionStore({ store }))),
      );
      const login = await a!.inject({ method: 'POST', url: '/login' });
      const cookie = cookieOf(login);
      await b!.inject({ method: 'POST', url: '/view', headers: { cookie } });
      const me = await a!.inject({ url: '/me', headers: { cookie } });
      expect(me.json()).toEqual({ user: 'ann', id: login.json<{ id: string }>().id });
      expect(
        (await a!.inject({ method: 'POST', url: '/view', headers: { cookie } })).json(),
      ).toEqual({
        views: 2,
      });
      await b!.inject({ method: 'POST', url: '/logout', headers: { cookie } });
      expect((await a!.inject({ url: '/me', headers: { cookie } })).json()).toMatchObject({
        user: null,
      });
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await Promise.all(stores.map((store) => store.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a string with a lone surrogate, as JSON stores do (the CBOR stores refuse one)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastmmap-fastify-store-'));
    const store = new FastMmapStore({ storage: join(dir, 'sessions.fmcache'), numPages: 8 });
    try {
      const app = await worker(new FastifySessionStore({ store }));
      app.post('/name', (request) => {
        request.session.user = (request.body as { name: string }).name;
        return { ok: true };
      });
      const named = await app.inject({ method: 'POST', url: '/name', body: { name: 'a\ud800b' } });
      expect(named.statusCode).toBe(200);
      const cookie = cookieOf(named);
      expect((await app.inject({ url: '/me', headers: { cookie } })).json()).toMatchObject({
        user: 'a\ud800b',
      });
      // A well-formed session stays a plain record, readable by any Store user.
      const plain = await app.inject({ method: 'POST', url: '/name', body: { name: 'ann' } });
      const id = /^sessionId=([^.;]+)/.exec(decodeURIComponent(cookieOf(plain)))?.[1];
      expect(await store.get(id!)).toMatchObject({ user: 'ann' });
      const viewed = await app.inject({ method: 'POST', url: '/view', headers: { cookie } });
      expect(viewed.json()).toEqual({ views: 1 });
      expect((await app.inject({ url: '/me', headers: { cookie } })).json()).toMatchObject({
        user: 'a\ud800b',
      });
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every session as it was set: a backslash before "ud", a session of the wrapper key, damage reported', async () => {
    const { store } = recordingStore();
    const sessions = new FastifySessionStore({ store });
    const set = (id: string, session: object) =>
      new Promise<void>((resolve, reject) =>
        sessions.set(id, session, (err) => (err ? reject(err) : resolve())),
      );
    const get = (id: string) =>
      new Promise<unknown>((resolve, reject) =>
        sessions.get(id, (err, session) => (err ? reject(err) : resolve(session))),
      );
    const path = { cookie: { originalMaxAge: 60_000 }, dir: 'C:\\udata\\udf' };
    await set('path', path);
    expect(await store.get('path')).toEqual(path); // a plain record: no lone surrogate in it
    const lookalike = { 'fastmmap:json': '{"user":"mallory"}' };
    await set('lookalike', lookalike);
    expect(await get('lookalike')).toEqual(lookalike);
    // Sessions JSON keeps and the stores refuse, kept as JSON text: an own "__proto__" key, depth.
    const protoKey = JSON.parse(
      '{"cookie":{"originalMaxAge":60000},"prefs":{"__proto__":{"a":1}}}',
    );
    await set('proto', protoKey);
    expect(Object.hasOwn(((await get('proto')) as { prefs: object }).prefs, '__proto__')).toBe(
      true,
    );
    // ...but not at the top, where @fastify/session's key copying would make it the prototype.
    const top = JSON.parse('{"cookie":{"originalMaxAge":60000},"__proto__":{"admin":true}}');
    await expect(set('top', top)).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED_DATA' });
    // A store that throws instead of rejecting still answers through the callback.
    const throwing = new FastifySessionStore({
      store: {
        ...store,
        store: () => {
          throw new Error('sync failure');
        },
      },
    });
    await expect(
      new Promise<void>((resolve, reject) =>
        throwing.set('x', { cookie: {} }, (err) => (err ? reject(err) : resolve())),
      ),
    ).rejects.toHaveProperty('cause.message', 'sync failure');
    let deep: unknown = 'bottom';
    for (let i = 0; i < 150; i++) deep = [deep];
    await set('deep', { cookie: { originalMaxAge: 60_000 }, deep });
    expect(await get('deep')).toEqual({ cookie: { originalMaxAge: 60_000 }, deep });
    // A wrapped record that is not JSON (damage, another writer): an error, not a hang.
    await store.store('damaged', { 'fastmmap:json': '{"user":' }, 60_000);
    await expect(get('damaged')).rejects.toBeInstanceOf(SyntaxError);
  });

  it('keeps a session as long as its cookie: ttl from cookie.expires, ISO dates restored', async () => {
    const { store, ttls } = recordingStore();
    const app = await worker(new FastifySessionStore({ store }), 120_000);
    const login = await app.inject({ method: 'POST', url: '/login' });
    const { id } = login.json<{ id: string }>();
    expect(ttls.at(-1)).toBeGreaterThan(110_000);
    expect(ttls.at(-1)).toBeLessThanOrEqual(120_000);
    const record = (await store.get(id)) as {
      cookie: { expires: unknown; originalMaxAge: unknown };
    };
    expect(typeof record.cookie.expires).toBe('string');
    expect(record.cookie.originalMaxAge).toBe(120_000);
    // The restored session is usable (its cookie dates were rebuilt from the ISO string).
    const me = await app.inject({ url: '/me', headers: { cookie: cookieOf(login) } });
    expect(me.json()).toEqual({ user: 'ann', id });
  });

  it('computes the ttl with its own clock, uses `ttl` without expiry, and drops expired ones', async () => {
    const { store, ttls } = recordingStore();
    const now = Date.parse('2030-01-01T00:00:00Z');
    const sessions = new FastifySessionStore({ store, clock: () => now, ttl: 5_000 });
    const call = (session: object) =>
      new Promise<void>((resolve, reject) =>
        sessions.set('id-1', session, (err) => (err ? reject(err) : resolve())),
      );
    await call({ cookie: { expires: '2030-01-01T00:01:00.000Z', originalMaxAge: 60_000 }, a: 1 });
    await call({ cookie: { expires: null, originalMaxAge: 30_000 }, a: 2 });
    await call({ cookie: { expires: null, originalMaxAge: null }, a: 3 });
    expect(ttls).toEqual([60_000, 30_000, 5_000]);
    expect(await store.get('id-1')).toMatchObject({ a: 3 });
    await call({ cookie: { expires: '2029-12-31T23:59:59.000Z' }, a: 4 });
    expect(await store.get('id-1')).toBeUndefined();
    expect(ttls).toHaveLength(3);
  });

  it('regenerate moves the data to a new id and removes the old one', async () => {
    const { store } = recordingStore();
    const app = await worker(new FastifySessionStore({ store }));
    const login = await app.inject({ method: 'POST', url: '/login' });
    const { id: oldId } = login.json<{ id: string }>();
    const regenerated = await app.inject({
      method: 'POST',
      url: '/regenerate',
      headers: { cookie: cookieOf(login) },
    });
    const { id: newId } = regenerated.json<{ id: string }>();
    expect(newId).not.toBe(oldId);
    // @fastify/session destroys the old id from 11.1.3 on (hence the devDependency's floor).
    expect(await store.get(oldId)).toBeUndefined();
    expect(await store.get(newId)).toMatchObject({ user: 'ann' });
    const me = await app.inject({ url: '/me', headers: { cookie: cookieOf(regenerated) } });
    expect(me.json()).toEqual({ user: 'ann', id: newId });
  });

  it('destroy removes the session: the old cookie gets an empty one', async () => {
    const { store } = recordingStore();
    const app = await worker(new FastifySessionStore({ store }));
    const login = await app.inject({ method: 'POST', url: '/login' });
    const cookie = cookieOf(login);
    const { id } = login.json<{ id: string }>();
    await app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    expect(await store.get(id)).toBeUndefined();
    const me = await app.inject({ url: '/me', headers: { cookie } });
    expect(me.json<{ user: unknown; id: string }>().user).toBeNull();
    expect(me.json<{ id: string }>().id).not.toBe(id);
  });

  it('passes store errors to @fastify/session, which answers 500', async () => {
    const failing: Store = {
      ...recordingStore().store,
      get: () => Promise.reject(new Error('disk on fire at 10.0.0.5 (password=hunter2)')),
    };
    const app = await worker(new FastifySessionStore({ store: failing }));
    const login = await app.inject({ method: 'POST', url: '/login' });
    const res = await app.inject({ url: '/me', headers: { cookie: cookieOf(login) } });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain(secret);
    // Fastify's default handler sends the message: not the store's own words.
    expect(res.json()).toMatchObject({ message: 'session error (Error)' });
    expect(res.body).not.toMatch(/hunter2|10\.0\.0\.5|fire/);
  });

  it('refuses what JSON cannot hold with ERR_SESSION_UNSUPPORTED_DATA, as the other drop-in stores do', async () => {
    const { store } = recordingStore();
    const sessions = new FastifySessionStore({ store });
    const app = await worker(sessions);
    app.post('/count', (request) => {
      const session = request.session as unknown as Record<string, unknown>;
      session.views = 2;
      session.count = 1n;
      return { ok: true };
    });
    const login = await app.inject({ method: 'POST', url: '/login' });
    const res = await app.inject({
      method: 'POST',
      url: '/count',
      headers: { cookie: cookieOf(login) },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED_DATA' });
    // Nothing stored changed.
    const me = await app.inject({ url: '/me', headers: { cookie: cookieOf(login) } });
    expect(me.json<{ user: unknown }>().user).toBe('ann');
    const cycle: Record<string, unknown> = { cookie: {} };
    cycle.self = cycle;
    const err = await new Promise((resolve) => sessions.set('an-id', cycle, resolve));
    expect(err).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_UNSUPPORTED_DATA' });
  });

  it('answers callbacks on setImmediate, after I/O already due, as ExpressSessionStore does', async () => {
    // Answered on nextTick instead, each request ran to its end in one turn, which cost
    // bench:http --framework fastify server CPU (more than connect-redis's).
    const store = new FastifySessionStore({ store: new MemoryStore() });
    const order: string[] = [];
    const session = { cookie: { originalMaxAge: 60_000 }, views: 1 };
    store.set('sid', session, () => order.push('set'));
    store.get('sid', () => order.push('get'));
    store.destroy('sid', () => order.push('destroy'));
    setImmediate(() => order.push('queued before'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Each answers after the setImmediate queued when the calls were made.
    expect(order[0]).toBe('queued before');
    expect(order.slice(1).sort()).toEqual(['destroy', 'get', 'set']);
  });

  it('closes only a store it created', async () => {
    let closed = 0;
    const { store } = recordingStore();
    const counted: Store = { ...store, close: async () => void closed++ };
    await new FastifySessionStore({ store: counted }).close();
    expect(closed).toBe(0);
  });
});

describe('FastifySessionStore defaults', () => {
  it("keeps its sessions in a file of its own, not session()'s", async () => {
    const own = new FastifySessionStore();
    const plugin = new FastMmapStore(); // what session() opens by default
    try {
      const path = (own.store as FastMmapStore).path;
      expect(path.endsWith('/fastify-session.v2.fmcache')).toBe(true);
      expect(path).not.toBe(plugin.path);
    } finally {
      await own.close();
      await plugin.close();
    }
  });

  it('takes appName for its default store, and refuses appName together with store', async () => {
    const named = new FastifySessionStore({ appName: 'fastify-store-test' });
    const path = (named.store as FastMmapStore).path;
    expect(path.endsWith('/fastify-store-test.v2.fmcache')).toBe(true);
    await named.close();
    // This test's own file (and its lock files) in the per-user directory: remove them.
    for (const name of readdirSync(dirname(path))) {
      if (name.startsWith(basename(path))) rmSync(join(dirname(path), name));
    }
    expect(() => new FastifySessionStore({ store: new MemoryStore(), appName: 'x' })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }),
    );
  });
});

describe('FastifySessionStore options', () => {
  it('refuses a ttl that is not a positive number of ms (0 would store no browser-session session)', async () => {
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '86400000']) {
      expect(() => new FastifySessionStore({ store: new MemoryStore(), ttl } as never)).toThrow(
        expect.objectContaining({
          name: 'SessionError',
          code: 'ERR_SESSION_OPTIONS',
          message: expect.stringContaining('ttl must be a positive number of ms'),
        }),
      );
    }
    // A valid one still keeps a browser-session cookie's session for ttl.
    const inner = new MemoryStore();
    const sessions = new FastifySessionStore({ store: inner, ttl: 1_000 });
    await new Promise<void>((resolve, reject) =>
      sessions.set('id', { cookie: { expires: null, originalMaxAge: null }, views: 1 }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    expect(await inner.get('id')).toMatchObject({ views: 1 });
  });

  it('refuses options it does not read, naming what to use', () => {
    expect(() => new FastifySessionStore({ path: '/tmp/x.fmcache' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_SESSION_OPTIONS',
        message: expect.stringContaining('path: use store: new FastMmapStore({ storage })'),
      }),
    );
  });
});
