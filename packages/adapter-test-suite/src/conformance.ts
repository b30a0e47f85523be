import { createHmac, randomBytes } from 'node:crypto';
import type { SessionManagerOptions } from '@fastmmap/session-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, COOKIE, isClearing, sessionCookie } from './client.js';
import { rawGet } from './http-client.js';
import { createTestStore, type StoreKind, type TestStore } from './stores.js';

/** A running app: a real server listening on 127.0.0.1. */
export interface AppHandle {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Stops the server (close idle keep-alive sockets too) and the adapter's manager. */
  close(): Promise<void>;
}

/** Starts the app with the conformance routes (see README) for these manager options. */
export type StartApp = (options: SessionManagerOptions) => Promise<AppHandle>;

export interface ConformanceOptions {
  /**
   * The store every test app gets. Default 'fastmmap' (a fresh file per test); 'fastmmap-async'
   * for the same without Store.sync; 'memory' for a MemoryStore.
   */
  store?: StoreKind;
}

interface SessionBody {
  id: string;
  isNew: boolean;
  data: Record<string, unknown>;
}

const SECRET = 'conformance-secret-0123456789-abcdefghijklmnop';
const OTHER_SECRET = 'conformance-rotated-secret-9876543210-zyxwvuts';
const TTL = 60_000;

function sign(id: string, secret: string): string {
  return `${id}.${createHmac('sha256', secret).update(id).digest('base64url')}`;
}

/**
 * The conformance suite every framework adapter runs over real HTTP. See the package README
 * for the routes `startApp` must serve.
 */
export function describeAdapterConformance(
  name: string,
  startApp: StartApp,
  conformance: ConformanceOptions = {},
): void {
  const storeNote = conformance.store === undefined ? '' : ` (${conformance.store} store)`;
  describe(`${name}: adapter conformance${storeNote}`, () => {
    let offset = 0;
    // Real time plus a test-controlled offset: expiry decisions move without sleeping.
    const clock = () => Date.now() + offset;
    const running: AppHandle[] = [];
    const stores: TestStore[] = [];

    afterEach(async () => {
      for (const app of running.splice(0)) await app.close();
      for (const s of stores.splice(0)) await s.dispose();
      offset = 0;
    });

    function newStore(): TestStore {
      const s = createTestStore(conformance.store ?? 'fastmmap', clock);
      stores.push(s);
      return s;
    }

    async function start(
      overrides: Partial<SessionManagerOptions> = {},
      store = newStore(),
    ): Promise<Client> {
      const app = await startApp({
        secret: SECRET,
        ttl: TTL,
        clock,
        store: store.store,
        ...overrides,
      });
      running.push(app);
      return new Client(app.url);
    }

    it('sends no cookie until something is written', async () => {
      const c = await start();
      const r = await c.get('/session');
      expect(r.status).toBe(200);
      const body = r.body as SessionBody;
      expect(body.isNew).toBe(true);
      expect(body.data).toEqual({});
      expect(sessionCookie(r.setCookies)).toBeUndefined();
    });

    it('a write sets one signed HttpOnly SameSite=Lax cookie (not Secure over plain HTTP)', async () => {
      const c = await start();
      const r = await c.post('/set', { json: { key: 'a', value: 1 } });
      expect(r.status).toBe(200);
      const id = (r.body as { id: string }).id;
      const cookie = sessionCookie(r.setCookies);
      expect(cookie).toBeDefined();
      expect(decodeURIComponent(cookie!.value)).toBe(sign(id, SECRET));
      expect(cookie!.attributes.has('httponly')).toBe(true);
      expect(cookie!.attributes.get('samesite')?.toLowerCase()).toBe('lax');
      expect(cookie!.attributes.get('path')).toBe('/');
      expect(cookie!.attributes.has('secure')).toBe(false);
      // Ids carry at least 128 bits: 22+ base64url characters.
      expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    });

    it('data persists; a read sends no cookie; unset removes a key', async () => {
      const c = await start();
      const first = await c.post('/set', { json: { key: 'a', value: 1 } });
      const id = (first.body as { id: string }).id;
      await c.post('/set', { json: { key: 'b', value: { nested: ['x', 2, true, null] } } });
      const read = await c.get('/session');
      expect(read.body).toEqual({
        id,
        isNew: false,
        data: { a: 1, b: { nested: ['x', 2, true, null] } },
      });
      expect(sessionCookie(read.setCookies)).toBeUndefined();
      await c.post('/unset', { json: { key: 'a' } });
      expect((await c.get('/session')).body).toEqual({
        id,
        isNew: false,
        data: { b: { nested: ['x', 2, true, null] } },
      });
    });

    it('regenerate changes the id, keeps the data, and the old cookie gets a fresh empty session', async () => {
      const c = await start();
      const oldId = (
        (await c.post('/set', { json: { key: 'user', value: 'ann' } })).body as SessionBody
      ).id;
      const oldCookie = c.cookie;
      const r = await c.post('/regenerate');
      const newId = (r.body as { id: string }).id;
      expect(newId).not.toBe(oldId);
      expect(decodeURIComponent(sessionCookie(r.setCookies)!.value)).toBe(sign(newId, SECRET));
      expect((await c.get('/session')).body).toEqual({
        id: newId,
        isNew: false,
        data: { user: 'ann' },
      });
      const stale = (await c.get('/session', { cookie: oldCookie })).body as SessionBody;
      expect(stale.isNew).toBe(true);
      expect(stale.data).toEqual({});
      expect(stale.id).not.toBe(oldId);
    });

    // The null assignment (req.session, ctx.session, request.session, c.set('session', null))
    // is cookie-session's and koa-session's logout: it must not keep the user logged in.
    it.each([
      ['destroy()', '/destroy'],
      ["assigning null to the framework's session property", '/destroy-by-null'],
    ])('%s clears the cookie and the old id stays dead', async (_how, route) => {
      const c = await start();
      const oldId = (
        (await c.post('/set', { json: { key: 'user', value: 'ann' } })).body as SessionBody
      ).id;
      const oldCookie = c.cookie;
      const r = await c.post(route);
      expect(r.body).toEqual({ ok: true });
      const cleared = sessionCookie(r.setCookies);
      expect(cleared).toBeDefined();
      expect(isClearing(cleared!)).toBe(true);
      const after = (await c.get('/session', { cookie: oldCookie })).body as SessionBody;
      expect(after).toMatchObject({ isNew: true, data: {} });
      // A write with the dead cookie starts a new session: it never resurrects the old id.
      const write = await c.post('/set', { cookie: oldCookie, json: { key: 'x', value: 1 } });
      expect((write.body as { id: string }).id).not.toBe(oldId);
      expect(((await c.get('/session', { cookie: oldCookie })).body as SessionBody).isNew).toBe(
        true,
      );
    });

    it('a tampered cookie gets a new session and the real one is untouched', async () => {
      const c = await start();
      const id = ((await c.post('/set', { json: { key: 'a', value: 1 } })).body as SessionBody).id;
      const good = c.cookie!;
      const last = good.at(-1) === 'A' ? 'B' : 'A';
      const tampered = good.slice(0, -1) + last;
      const r = await c.get('/session', { cookie: tampered });
      expect(r.body).toMatchObject({ isNew: true, data: {} });
      const write = await c.post('/set', { cookie: tampered, json: { key: 'a', value: 666 } });
      expect((write.body as { id: string }).id).not.toBe(id);
      expect((await c.get('/session', { cookie: good })).body).toEqual({
        id,
        isNew: false,
        data: { a: 1 },
      });
    });

    it('an unknown id with a valid signature is never adopted', async () => {
      const c = await start();
      const forgedId = randomBytes(32).toString('base64url');
      const forged = `${COOKIE}=${sign(forgedId, SECRET)}`;
      expect((await c.get('/session', { cookie: forged })).body).toMatchObject({
        isNew: true,
        data: {},
      });
      const write = await c.post('/set', { cookie: forged, json: { key: 'a', value: 1 } });
      expect((write.body as { id: string }).id).not.toBe(forgedId);
    });

    it('malformed and oversized cookie values are treated as absent', async () => {
      const c = await start();
      await c.post('/set', { json: { key: 'a', value: 1 } });
      const good = c.cookie!;
      const bad = [
        `${COOKIE}=`,
        `${COOKIE}=...`,
        `${COOKIE}=a.b.c`,
        `${COOKIE}=%E0%A4%A`,
        `${COOKIE}="unterminated`,
        ';;;=;=',
        `${COOKIE}=${'x'.repeat(8_000)}.${'y'.repeat(43)}`,
      ];
      for (const cookie of bad) {
        const r = await rawGet(c.url, '/session', cookie);
        expect(r.status, cookie.slice(0, 40)).toBe(200);
        expect(JSON.parse(r.text)).toMatchObject({ isNew: true, data: {} });
      }
      // Garbage around a valid cookie does not hide it.
      const mixed = await rawGet(c.url, '/session', `x=%%; ${good}; y="`);
      expect(JSON.parse(mixed.text)).toMatchObject({ isNew: false, data: { a: 1 } });
    });

    it('a Cookie header over 16 KiB is refused with 431 before the adapter runs', async () => {
      const c = await start();
      const r = await rawGet(c.url, '/session', `${COOKIE}=${'z'.repeat(20_000)}`);
      expect(r.status).toBe(431);
    });

    it('secret rotation accepts the old signature and re-signs with the new secret', async () => {
      const shared = newStore();
      const before = await start({ secret: SECRET }, shared);
      const id = ((await before.post('/set', { json: { key: 'a', value: 1 } })).body as SessionBody)
        .id;
      const rotated = await start({ secret: [OTHER_SECRET, SECRET] }, shared);
      rotated.cookie = before.cookie;
      const read = await rotated.get('/session');
      expect(read.body).toEqual({ id, isNew: false, data: { a: 1 } });
      // Re-signed as soon as the old secret is used, not only when the cookie is next re-sent.
      const resent = sessionCookie(read.setCookies);
      expect(resent).toBeDefined();
      expect(decodeURIComponent(resent!.value)).toBe(sign(id, OTHER_SECRET));
      const write = await rotated.post('/set', { json: { key: 'b', value: 2 } });
      expect((write.body as { id: string }).id).toBe(id);
      expect(rotated.cookie).toBe(`${COOKIE}=${sign(id, OTHER_SECRET)}`);
      // Once the old secret is retired, only the re-signed cookie works.
      const retired = await start({ secret: OTHER_SECRET }, shared);
      expect((await retired.get('/session', { cookie: rotated.cookie })).body).toEqual({
        id,
        isNew: false,
        data: { a: 1, b: 2 },
      });
      expect(
        ((await retired.get('/session', { cookie: before.cookie })).body as SessionBody).isNew,
      ).toBe(true);
    });

    it('a session expires ttl after its last write (injected clock)', async () => {
      const c = await start();
      await c.post('/set', { json: { key: 'a', value: 1 } });
      offset += TTL - 1_000;
      expect(((await c.get('/session')).body as SessionBody).isNew).toBe(false);
      // The read above may have touched it (touchAfter): expiry then counts from that read.
      offset += TTL + 5_000;
      expect((await c.get('/session')).body).toMatchObject({ isNew: true, data: {} });
    });

    it('rolling re-sends the cookie on every response and extends the expiry', async () => {
      const c = await start({ rolling: true });
      const id = ((await c.post('/set', { json: { key: 'a', value: 1 } })).body as SessionBody).id;
      for (let i = 0; i < 3; i++) {
        offset += (TTL * 2) / 3;
        const r = await c.get('/session');
        expect(r.body).toEqual({ id, isNew: false, data: { a: 1 } });
        const resent = sessionCookie(r.setCookies);
        expect(resent).toBeDefined();
        expect(decodeURIComponent(resent!.value)).toBe(sign(id, SECRET));
      }
      offset += TTL + 1_000;
      expect(((await c.get('/session')).body as SessionBody).isNew).toBe(true);
    });

    it('touch() extends an unchanged session that reads alone would not', async () => {
      const c = await start({ touchAfter: TTL - 10_000 });
      await c.post('/set', { json: { key: 'a', value: 1 } });
      const control = new Client(c.url);
      await control.post('/set', { json: { key: 'b', value: 2 } });
      offset += TTL / 2;
      expect((await c.post('/touch')).body).toEqual({ ok: true });
      expect(((await control.get('/session')).body as SessionBody).isNew).toBe(false);
      offset += TTL / 2 + 5_000;
      expect((await c.get('/session')).body).toMatchObject({ isNew: false, data: { a: 1 } });
      expect(((await control.get('/session')).body as SessionBody).isNew).toBe(true);
    });

    it('session.maxAge ("remember me") sets the cookie lifetime and keeps the session that long', async () => {
      const c = await start();
      await c.post('/set', { json: { key: 'user', value: 'ann' } });
      const long = await c.post('/max-age', { json: { value: TTL * 10 } });
      expect(long.body).toEqual({ maxAge: TTL * 10 });
      expect(sessionCookie(long.setCookies)?.attributes.get('max-age')).toBe(
        String((TTL * 10) / 1000),
      );
      offset += TTL * 5; // well past the manager's ttl
      expect((await c.get('/session')).body).toMatchObject({ isNew: false, data: { user: 'ann' } });
      // null: a browser-session cookie, and the manager's ttl again on the server.
      const browser = await c.post('/max-age', { json: { value: null } });
      expect(browser.body).toEqual({ maxAge: null });
      const cookie = sessionCookie(browser.setCookies);
      expect(cookie).toBeDefined();
      expect(cookie!.attributes.has('max-age')).toBe(false);
      expect(cookie!.attributes.has('expires')).toBe(false);
      offset += TTL + 5_000;
      expect(((await c.get('/session')).body as SessionBody).isNew).toBe(true);
    });

    it('flash messages are read once, in order', async () => {
      const c = await start();
      await c.post('/flash', { json: { key: 'info', value: 'saved' } });
      await c.post('/flash', { json: { key: 'info', value: { n: 2 } } });
      expect((await c.get('/flashes?key=info')).body).toEqual({ messages: ['saved', { n: 2 }] });
      expect((await c.get('/flashes?key=info')).body).toEqual({ messages: [] });
    });

    it('two overlapping requests of one session changing different keys both survive', async () => {
      const c = await start();
      await c.post('/set', { json: { key: 'base', value: 0 } });
      const [slow, fast] = await Promise.all([
        c.post('/slow-set', { json: { key: 'slow', value: 1, delayMs: 250 } }),
        c.post('/slow-set', { json: { key: 'fast', value: 2, delayMs: 10 } }),
      ]);
      expect([slow.status, fast.status]).toEqual([200, 200]);
      expect(((await c.get('/session')).body as SessionBody).data).toEqual({
        base: 0,
        slow: 1,
        fast: 2,
      });
    });

    it('a store error gives a 500 without the secret and affects no other session', async () => {
      const c = await start();
      await c.post('/set', { json: { key: 'keep', value: 1 } });
      const other = new Client(c.url);
      await other.post('/set', { json: { key: 'keep', value: 2 } });
      const boom = await c.get('/boom-store');
      expect(boom.status).toBe(500);
      expect(boom.text).not.toContain(SECRET);
      expect(boom.text).not.toContain(SECRET.slice(0, 16));
      expect(((await c.get('/session')).body as SessionBody).data).toEqual({ keep: 1 });
      expect(((await other.get('/session')).body as SessionBody).data).toEqual({ keep: 2 });
      const fresh = await new Client(c.url).get('/boom-store');
      expect(fresh.status).toBe(500);
      expect(fresh.text).not.toContain(SECRET);
    });
  });
}
