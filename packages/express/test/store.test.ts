import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { type ExpressSessionRecord, ExpressSessionStore } from '@fastmmap/express/store';
import express from 'express';
import expressSession from 'express-session';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-session-store-test-secret-0123456789';
type Sess = Record<string, unknown> & { cookie: { expires?: unknown } };

let dir: string;
let offset = 0;
const clock = () => Date.now() + offset;
const servers: Server[] = [];
const stores: ExpressSessionStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fastmmap-es-store-'));
  offset = 0;
});
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
  for (const s of stores.splice(0)) if (!closed.has(s)) s.close();
  rmSync(dir, { recursive: true, force: true });
});
const closed = new WeakSet<ExpressSessionStore>();

function openStore(options: ConstructorParameters<typeof ExpressSessionStore>[0] = {}) {
  const store = new ExpressSessionStore({
    path: join(dir, 'es.fmcache'),
    numPages: 4,
    clock,
    ...options,
  });
  stores.push(store);
  return store;
}

function cb<T>(fn: (done: (err?: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((err, value) => (err ? reject(err) : resolve(value as T))),
  );
}

/** An express-session app the way existing apps are written, with the store swapped in. */
async function startApp(
  store: ExpressSessionStore,
  cookie: expressSession.CookieOptions = { maxAge: 60_000 },
) {
  const app = express();
  app.use(expressSession({ store, secret, resave: false, saveUninitialized: false, cookie }));
  app.get('/inc', (req, res) => {
    const s = req.session as unknown as { views?: number };
    s.views = (s.views ?? 0) + 1;
    res.json({ id: req.sessionID, views: s.views });
  });
  app.get('/me', (req, res) => {
    res.json({ has: req.session !== undefined, id: req.sessionID, session: req.session ?? null });
  });
  // What passport >= 0.6 does on logIn.
  app.post('/login', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      (req.session as unknown as Sess).passport = { user: 'ann' };
      req.session.save((err2) => (err2 ? next(err2) : res.json({ id: req.sessionID })));
    });
  });
  // An explicit save() in a handler, before express-session refreshes the cookie at the end.
  app.post('/save-now', (req, res, next) => {
    (req.session as unknown as Sess).saved = true;
    req.session.save((err) => (err ? next(err) : res.json({ maxAge: req.session.cookie.maxAge })));
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const url = await listen(server);
  let jar: string | undefined;
  const go = async (method: string, path: string, cookie = jar) => {
    const res = await fetch(url + path, { method, headers: cookie ? { cookie } : {} });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('connect.sid='));
    if (set && cookie === jar) jar = set.split(';')[0];
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { go, cookie: () => jar };
}

describe('ExpressSessionStore with the real express-session', () => {
  it('keeps express-session sessions; cookie.expires comes back as a Date; ttl from the cookie', async () => {
    const store = openStore();
    const app = await startApp(store);
    await app.go('GET', '/inc');
    const second = await app.go('GET', '/inc');
    expect(second.body.views).toBe(2);
    const sid = String(second.body.id);
    const stored = await cb<Sess>((done) => store.get(sid, done));
    expect(stored.views).toBe(2);
    expect(stored.cookie.expires).toBeInstanceOf(Date);
    const entry = store.cache.getEntry(`sess:${sid}`)!;
    expect(Math.abs(entry.expiresAt - (clock() + 60_000))).toBeLessThan(2_000);
    // The cookie's lifetime is the store's: past it, the session is gone.
    offset += 61_000;
    expect(await cb((done) => store.get(sid, done))).toBeFalsy();
  });

  it('survives the passport login sequence: regenerate(cb), then set, then save(cb)', async () => {
    const store = openStore();
    const app = await startApp(store);
    const anon = await app.go('GET', '/inc');
    const oldCookie = app.cookie();
    const login = await app.go('POST', '/login');
    expect(login.body.id).not.toBe(anon.body.id);
    expect(await cb((done) => store.get(String(anon.body.id), done))).toBeFalsy();
    const me = await app.go('GET', '/me');
    expect(me.body.id).toBe(login.body.id);
    expect((me.body.session as Sess).passport).toEqual({ user: 'ann' });
    const stale = await app.go('GET', '/me', oldCookie);
    expect((stale.body.session as Sess | null)?.passport).toBeUndefined();
    expect(stale.body.id).not.toBe(anon.body.id);
  });

  it('destroy removes the session', async () => {
    const store = openStore();
    const app = await startApp(store);
    const { body } = await app.go('GET', '/inc');
    expect(await cb<number>((done) => store.length(done))).toBe(1);
    await app.go('POST', '/logout');
    expect(await cb((done) => store.get(String(body.id), done))).toBeFalsy();
    expect(await cb<number>((done) => store.length(done))).toBe(0);
  });

  it("touch refreshes the stored cookie, so a later explicit save() keeps the session (as MemoryStore's does)", async () => {
    // express-session's Cookie reads Date.now(): one faked clock for it and the store.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const store = openStore({ clock: () => Date.now() });
      const app = await startApp(store); // a 60 s cookie
      const sid = String((await app.go('GET', '/inc')).body.id);
      vi.setSystemTime(Date.now() + 50_000);
      await app.go('GET', '/me'); // unmodified: express-session calls store.touch
      const stored = await cb<Sess>((done) => store.get(sid, done));
      expect((stored.cookie.expires as Date).getTime()).toBeGreaterThan(Date.now() + 59_000);
      vi.setSystemTime(Date.now() + 20_000); // past the first expiry, inside the touched one
      const saved = await app.go('POST', '/save-now');
      expect(saved.body.maxAge).toBeGreaterThan(30_000);
      expect(await cb<Sess>((done) => store.get(sid, done))).toMatchObject({
        views: 1,
        saved: true,
      });
      expect((await app.go('GET', '/inc')).body).toMatchObject({ id: sid, views: 2 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('touch moves the expiry of an unchanged session, keeping its data', async () => {
    // A browser-session cookie: the store's own ttl (90 s here) decides the lifetime.
    const store = openStore({ ttl: 90_000 });
    const app = await startApp(store, {});
    const { body } = await app.go('GET', '/inc');
    const key = `sess:${String(body.id)}`;
    const before = store.cache.getEntry(key)!;
    offset += 60_000;
    await app.go('GET', '/me'); // unmodified: express-session calls store.touch
    const after = store.cache.getEntry(key)!;
    expect(after.expiresAt - before.expiresAt).toBeGreaterThanOrEqual(59_000);
    offset += 60_000; // 120 s after the write, 60 s after the touch
    expect(((await app.go('GET', '/inc')).body.views as number) > 1).toBe(true);
  });

  it('all, length and clear cover its own sessions only', async () => {
    const store = openStore();
    const app = await startApp(store);
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add(String((await app.go('GET', '/inc', '')).body.id));
    store.cache.set('not-a-session', { cookie: {}, x: 1 });
    const all = await cb<Record<string, Sess>>((done) => store.all(done));
    expect(new Set(Object.keys(all))).toEqual(ids);
    for (const s of Object.values(all)) expect(s.cookie.expires).toBeInstanceOf(Date);
    expect(await cb<number>((done) => store.length(done))).toBe(3);
    await cb((done) => store.clear(done));
    expect(await cb<number>((done) => store.length(done))).toBe(0);
    expect(store.cache.get('not-a-session')).toEqual({ cookie: {}, x: 1 });
  });

  it('a session too large for a page is refused with a typed error and the old one stays', async () => {
    const store = openStore();
    const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) };
    const small: ExpressSessionRecord = { cookie, n: 1 };
    const big: ExpressSessionRecord = { cookie, big: 'x'.repeat(2 ** 21) };
    const sid = 'Xk3vB9qLmN0pQrS2tUvWxYz4aBcDeFgHiJkLmNoPqRs'; // as express-session makes them
    await cb((done) => store.set(sid, small, done));
    const err = await cb((done) => store.set(sid, big, done)).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_TOO_LARGE' });
    // The id is a bearer credential: the message (logs, error pages) names it by a prefix.
    expect((err as Error).message).toContain('sess:Xk3vB9…');
    expect((err as Error).message).not.toContain(sid);
    // Nor through its cause, which logs print.
    expect(inspect(err)).not.toContain(sid);
    // A short id (not one express-session makes) is shown as it is, with no ellipsis piled on.
    await cb((done) => store.set('abc', small, done));
    const shortErr = await cb((done) => store.set('abc', big, done)).catch((e: unknown) => e);
    expect((shortErr as Error).message).toMatch(/"sess:abc"/);
    expect((shortErr as Error).message).not.toContain('…');
    // Without a callback the call is synchronous and throws.
    expect(() => store.set(sid, big)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_TOO_LARGE' }),
    );
    expect((await cb<Sess>((done) => store.get(sid, done))).n).toBe(1);
  });

  it('a cookie that already expired is not stored', async () => {
    const store = openStore();
    const expired = { cookie: { expires: new Date(Date.now() - 1_000) }, n: 1 };
    await cb((done) => store.set('old', expired, done));
    expect(await cb((done) => store.get('old', done))).toBeFalsy();
  });

  it("remember me: cookie.expires = false keeps a browser-session cookie's session for ttl", async () => {
    const store = openStore({ ttl: 90_000 });
    const app = express();
    app.use(expressSession({ store, secret, resave: false, saveUninitialized: false }));
    // The express-session idiom: a persistent cookie only when the box was ticked.
    app.post('/login', (req, res) => {
      (req.session as unknown as Sess).user = 'ann';
      if (req.query.remember) req.session.cookie.maxAge = 30 * 86_400_000;
      else req.session.cookie.expires = false as unknown as Date;
      res.json({ id: req.sessionID });
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    const url = await listen(server);
    for (const [query, lifetime] of [
      ['', 90_000],
      ['?remember=1', 30 * 86_400_000],
    ] as const) {
      const res = await fetch(`${url}/login${query}`, { method: 'POST' });
      const { id } = (await res.json()) as { id: string };
      const stored = await cb<Sess>((done) => store.get(id, done));
      expect(stored.user, query).toBe('ann');
      const entry = store.cache.getEntry(`sess:${id}`)!;
      expect(Math.abs(entry.expiresAt - (clock() + lifetime)), query).toBeLessThan(2_000);
    }
  });

  it('two stores on one file (two processes, in effect) share sessions', async () => {
    const a = await startApp(openStore());
    const b = await startApp(openStore());
    const { body } = await a.go('GET', '/inc');
    const onB = await b.go('GET', '/inc', a.cookie());
    expect(onB.body).toEqual({ id: body.id, views: 2 });
  });

  it("answers callbacks on setImmediate, as express-session's MemoryStore does", async () => {
    // Answered on nextTick instead, each request ran to its end in one turn, which cost
    // bench:http server CPU in both its closed and open loops.
    const orderOf = async (store: expressSession.Store) => {
      const order: string[] = [];
      store.set('sid', { cookie: {} } as expressSession.SessionData, () => order.push('set'));
      store.get('sid', () => order.push('get'));
      process.nextTick(() => order.push('nextTick'));
      await new Promise((resolve) => setImmediate(resolve));
      return order;
    };
    const memory = await orderOf(new expressSession.MemoryStore());
    expect(memory).toEqual(['nextTick', 'set', 'get']);
    expect(await orderOf(openStore())).toEqual(memory);
  });

  it("emits 'connect', and 'disconnect' on close (express-session then skips sessions)", async () => {
    const store = openStore();
    await new Promise((resolve) => store.once('connect', resolve));
    const app = await startApp(store);
    const disconnected = new Promise((resolve) => store.once('disconnect', resolve));
    let disconnects = 0;
    store.on('disconnect', () => disconnects++);
    store.close();
    store.close(); // a second close is a no-op: no second 'disconnect'
    closed.add(store);
    await disconnected;
    expect(disconnects).toBe(1);
    expect((await app.go('GET', '/me')).body.has).toBe(false);
  });

  it("closed before its first tick, it emits no 'connect' after 'disconnect'", async () => {
    const store = openStore();
    const events: string[] = [];
    store.on('connect', () => events.push('connect'));
    store.on('disconnect', () => events.push('disconnect'));
    // express-session listens from here (startApp's first, synchronous part): a late
    // 'connect' would make it use the closed store.
    const started = startApp(store);
    store.close();
    closed.add(store);
    const app = await started;
    expect(events).toEqual(['disconnect']);
    const me = await app.go('GET', '/me');
    expect(me.status).toBe(200);
    expect(me.body.has).toBe(false);
  });
});

describe('the express-session dependency stays optional', () => {
  it('importing @fastmmap/express loads no express-session; the /store entry does', () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('express-session'));
      const root = await import('@fastmmap/express');
      const before = loaded();
      await import('@fastmmap/express/store');
      console.log(JSON.stringify({ session: typeof root.session, before, after: loaded() }));`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ session: 'function', before: false, after: true });
  });
});

describe('ExpressSessionStore options', () => {
  it("refuses options it does not read: storage (FastMmapStore's name) points to path", () => {
    expect(() => new ExpressSessionStore({ storage: '/tmp/x.fmcache' } as never)).toThrow(
      expect.objectContaining({
        code: 'ERR_SESSION_OPTIONS',
        message: expect.stringContaining('storage: use path'),
      }),
    );
  });

  it('reports a bad ttl and a file it cannot open as SessionErrors, as FastMmapStore does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-open-errors-'));
    try {
      const path = join(dir, 'x.fmcache');
      expect(() => new ExpressSessionStore({ path, ttl: 0 })).toThrow(
        expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_OPTIONS' }),
      );
      // Not a number at all (an env var, a connect-redis-style string): refused up front, not
      // on every save of a browser-session cookie's session.
      for (const ttl of ['86400000', null, true, {}]) {
        expect(() => new ExpressSessionStore({ path, ttl } as never)).toThrow(
          expect.objectContaining({
            name: 'SessionError',
            code: 'ERR_SESSION_OPTIONS',
            message: expect.stringContaining('ttl must be a positive number of ms'),
          }),
        );
      }
      expect(() => new ExpressSessionStore({ path, pageSize: 5 })).toThrow(
        expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_OPTIONS' }),
      );
      expect(() => new ExpressSessionStore({ path: dir })).toThrow(
        expect.objectContaining({
          name: 'SessionError',
          code: 'ERR_SESSION_STORE_UNAVAILABLE',
          cause: expect.objectContaining({ name: 'FastMmapError' }),
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads inherited options too, as the other stores do (a rest spread dropped them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-inherited-'));
    try {
      const path = join(dir, 'inherited.fmcache');
      const store = new ExpressSessionStore(Object.create({ path, numPages: 2, pageSize: 4096 }));
      expect(store.cache.path).toBe(path);
      store.cache.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
