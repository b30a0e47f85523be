// c.get('session') speaks hono-sessions' API too: get/set/forget, deleteSession(), and the
// session_key_rotation variable.
import { FlakyStore } from '@fastmmap/adapter-test-suite';
import { MemoryStore } from '@fastmmap/session-core';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type HonoSession, type SessionVariables, session } from '../src/index.js';

const secret = 'a-secret-of-at-least-32-characters!!';
type Loose = HonoSession<Record<string, unknown>>;

/** An app with the session middleware and `routes`; errors answer JSON 500 with the code. */
function build(
  store = new MemoryStore(),
  routes: (app: Hono<{ Variables: SessionVariables }>) => void,
) {
  const app = new Hono<{ Variables: SessionVariables }>();
  app.use(session({ secret, store }));
  routes(app);
  app.get('/me', (c) => c.json({ id: c.get('session').id, data: c.get('session').data }));
  app.onError((err, c) => c.json({ code: (err as { code?: string }).code ?? null }, 500));
  const cookieOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith('fmsid='))
      ?.split(';', 1)[0] ?? '';
  return { app, cookieOf };
}

describe("c.get('session'), hono-sessions' API", () => {
  it('get, set and forget work on the data', async () => {
    const { app, cookieOf } = build(undefined, (app) => {
      app.post('/set', (c) => {
        const s = c.get('session') as unknown as Loose;
        s.set('user', 'ann');
        s.set('cart', [1]);
        s.forget('cart');
        return c.json({
          user: s.get('user'),
          cart: s.get('cart') ?? null,
          proto: s.get('toString') ?? null,
        });
      });
    });
    const res = await app.request('/set', { method: 'POST' });
    expect(await res.json()).toEqual({ user: 'ann', cart: null, proto: null });
    const me = await app.request('/me', { headers: { cookie: cookieOf(res) } });
    expect(((await me.json()) as { data: unknown }).data).toEqual({ user: 'ann' });
  });

  it('deleteSession() destroys the session and clears the cookie; a failure reaches onError', async () => {
    const store = new FlakyStore();
    const { app, cookieOf } = build(store, (app) => {
      app.post('/login', (c) => {
        (c.get('session') as unknown as Loose).set('user', 'ann');
        return c.json({ id: c.get('session').id });
      });
      app.post('/logout', (c) => {
        c.get('session').deleteSession();
        return c.json({ ok: true, data: c.get('session').data });
      });
    });
    const login = await app.request('/login', { method: 'POST' });
    const cookie = cookieOf(login);
    store.failStore = true;
    const failed = await app.request('/logout', { method: 'POST', headers: { cookie } });
    expect(failed.status).toBe(500);
    store.failStore = false;
    const logout = await app.request('/logout', { method: 'POST', headers: { cookie } });
    expect(logout.status).toBe(200);
    expect(await logout.json()).toEqual({ ok: true, data: {} }); // gone at once, as in hono-sessions
    expect(logout.headers.getSetCookie()).toEqual([expect.stringMatching(/^fmsid=; Max-Age=0/)]);
    const me = await app.request('/me', { headers: { cookie } });
    expect(((await me.json()) as { data: unknown }).data).toEqual({});
  });

  it("c.set('session', null) from JavaScript logs out too; a nested session() for another cookie keeps its own", async () => {
    const store = new FlakyStore();
    const { app, cookieOf } = build(store, (app) => {
      app.post('/login', (c) => {
        (c.get('session') as unknown as Loose).set('user', 'ann');
        return c.json({});
      });
      // What JavaScript code may do: TypeScript refuses null for the session variable.
      const logOut = (c: { set: unknown }) =>
        (c.set as (key: string, value: unknown) => void)('session', null);
      app.post('/logout', (c) => {
        (c.get('session') as unknown as Loose).set('after', true);
        logOut(c);
        return c.json({ ok: true });
      });
      app.use('/admin/*', session({ secret, store, name: 'admin' }));
      app.post('/admin/login', (c) => {
        (c.get('session') as unknown as Loose).set('admin', true);
        return c.json({});
      });
      app.post('/admin/logout', (c) => {
        logOut(c);
        return c.json({ ok: true });
      });
    });
    const cookie = cookieOf(await app.request('/login', { method: 'POST' }));
    store.failStore = true;
    const failed = await app.request('/logout', { method: 'POST', headers: { cookie } });
    expect(failed.status).toBe(500);
    store.failStore = false;
    const me = async (c: string) =>
      ((await (await app.request('/me', { headers: { cookie: c } })).json()) as { data: unknown })
        .data;
    // A failed destroy wrote nothing of the request either.
    expect(await me(cookie)).toEqual({ user: 'ann' });
    const out = await app.request('/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/^fmsid=; Max-Age=0/)]);
    expect(await me(cookie)).toEqual({});

    // Nested: null inside the admin session() ends the admin session only.
    const login = await app.request('/login', { method: 'POST' });
    const main = cookieOf(login);
    const admin = await app.request('/admin/login', { method: 'POST', headers: { cookie: main } });
    const adminCookie = admin.headers
      .getSetCookie()
      .find((c) => c.startsWith('admin='))!
      .split(';', 1)[0]!;
    const both = `${main}; ${adminCookie}`;
    const adminOut = await app.request('/admin/logout', {
      method: 'POST',
      headers: { cookie: both },
    });
    expect(adminOut.headers.getSetCookie()).toEqual([expect.stringMatching(/^admin=; Max-Age=0/)]);
    expect(await me(main)).toEqual({ user: 'ann' });
  });

  it("c.set('session_key_rotation', true) gives the session a new id, data kept", async () => {
    const { app, cookieOf } = build(undefined, (app) => {
      app.post('/login', (c) => {
        (c.get('session') as unknown as Loose).set('user', 'ann');
        (c.set as (key: string, value: unknown) => void)('session_key_rotation', true);
        return c.json({ before: c.get('session').id });
      });
      app.post('/visit', (c) => {
        (c.set as (key: string, value: unknown) => void)('session_key_rotation', true);
        return c.json({});
      });
    });
    // A visitor with nothing stored gets no session out of a rotation.
    const visit = await app.request('/visit', { method: 'POST' });
    expect(visit.headers.getSetCookie()).toEqual([]);
    const first = await app.request('/login', { method: 'POST' });
    const cookie = cookieOf(first);
    const again = await app.request('/login', { method: 'POST', headers: { cookie } });
    const { before } = (await again.json()) as { before: string };
    const rotated = cookieOf(again);
    expect(rotated).not.toBe(cookie);
    const me = (await (await app.request('/me', { headers: { cookie: rotated } })).json()) as {
      id: string;
      data: unknown;
    };
    expect(me.id).not.toBe(before);
    expect(me.data).toEqual({ user: 'ann' });
    // The old id is dead.
    const old = (await (await app.request('/me', { headers: { cookie } })).json()) as {
      data: unknown;
    };
    expect(old.data).toEqual({});
  });
});
