import { FlakyStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serve, sessionCookie } from './helpers/serve.js';

const secret = 'koa-assign-test-secret-0123456789abcdefghijkl';
type Data = Record<string, unknown>;

const clearing = /^fmsid=; Max-Age=0/;

// A failed destroy must never be an unhandled rejection (Vitest would report it too, but
// only once the run ends, and not as this test's failure).
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** /login stores a user, /me shows the data, /logout runs `logout(ctx)`. */
async function startApp(
  onLogout: (ctx: Koa.Context) => void | Promise<void>,
  { store = new MemoryStore(), KoaClass = Koa } = {},
) {
  const app = new KoaClass();
  const errors: unknown[] = [];
  app.on('error', (err) => errors.push(err));
  app.use(session({ secret, store }));
  app.use(async (ctx) => {
    const data = ctx.session.data as Data;
    if (ctx.path === '/login') data.user = 'ann';
    if (ctx.path === '/logout') await onLogout(ctx);
    ctx.body = { data: ctx.session.data, isNew: ctx.session.isNew };
  });
  const url = await serve(app);
  const cookie = sessionCookie(await fetch(`${url}/login`));
  const me = async () => (await fetch(`${url}/me`, { headers: { cookie } })).json();
  const logout = () => fetch(`${url}/logout`, { headers: { cookie } });
  return { app, errors, store, me, logout };
}

describe.each([
  ['koa 3', Koa],
  ['koa 2', Koa2],
])('ctx.session = null (%s)', (_name, KoaClass) => {
  it('destroys the session and clears the cookie, as in koa-session', async () => {
    const same: boolean[] = [];
    const app = await startApp(
      (ctx) => {
        const before = ctx.session;
        ctx.session = null;
        same.push(ctx.session === before);
      },
      { KoaClass },
    );
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    const res = await app.logout();
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(clearing)]);
    expect(same).toEqual([true]);
    expect(await app.me()).toEqual({ data: {}, isNew: true });
    expect(app.errors).toEqual([]);
  });
});

describe('ctx.session assignment', () => {
  it('undefined destroys too; reads after the commit see the destroyed Session', async () => {
    const app = new Koa();
    const after: unknown[] = [];
    app.use(async (ctx, next) => {
      await next();
      after.push({ destroyed: ctx.session.destroyed, data: ctx.session.data });
    });
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      if (ctx.path === '/login') (ctx.session.data as Data).user = 'ann';
      else ctx.session = undefined;
      ctx.body = 'ok';
    });
    const url = await serve(app);
    const cookie = sessionCookie(await fetch(`${url}/login`));
    const res = await fetch(`${url}/logout`, { headers: { cookie } });
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(clearing)]);
    expect(after).toEqual([
      { destroyed: false, data: { user: 'ann' } },
      { destroyed: true, data: {} },
    ]);
  });

  it.each([
    ['an object', { user: 'bob' }],
    ['a string', 'bob'],
    ['another Session', { data: {}, destroy: () => Promise.resolve() }],
  ])('refuses %s with a typed error that says what to do', async (_kind, value) => {
    const thrown: unknown[] = [];
    const app = await startApp((ctx) => {
      try {
        (ctx as { session: unknown }).session = value;
      } catch (err) {
        thrown.push(err);
      }
    });
    expect((await app.logout()).status).toBe(200);
    expect(thrown).toEqual([
      expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_UNSUPPORTED_DATA' }),
    ]);
    // What to do instead: data on ctx.session.data; null to destroy.
    expect((thrown[0] as Error).message).toMatch(/ctx\.session\.data/);
    expect((thrown[0] as Error).message).toMatch(/null/);
    // Nothing changed: still logged in.
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it("koa-session's ctx.session.views = n writes the data, in sloppy code too; API members refuse", async () => {
    const thrown: unknown[] = [];
    // A Function body is sloppy-mode code, as an old CommonJS app without 'use strict' is.
    const sloppyWrite = new Function('session', 'session.views = 1; return session.views;') as (
      s: unknown,
    ) => unknown;
    let seen: unknown[] = [];
    const app = await startApp((ctx) => {
      const s = ctx.session as unknown as Data;
      seen = [sloppyWrite(ctx.session), s.views, 'views' in s, (ctx.session.data as Data).views];
      s.cart = [1];
      delete s.cart;
      for (const write of [
        () => delete s.isNew,
        () => {
          s.id = 'mine';
        },
        () => {
          Reflect.set(s, '__proto__', { isAdmin: true });
        },
      ]) {
        try {
          write();
        } catch (err) {
          thrown.push(err);
        }
      }
      ctx.session.data = { ...ctx.session.data, replaced: true };
    });
    expect((await app.logout()).status).toBe(200);
    expect(seen).toEqual([1, 1, true, 1]);
    expect(thrown).toHaveLength(3);
    for (const err of thrown) {
      expect(err).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_UNSUPPORTED_DATA' });
    }
    expect(await app.me()).toEqual({
      data: { user: 'ann', views: 1, replaced: true },
      isNew: false,
    });
  });

  it('ctx.session = ctx.session changes nothing', async () => {
    const app = await startApp((ctx) => {
      const current = ctx.session;
      // @ts-expect-error the setter takes only null or undefined (at run time this is a no-op)
      ctx.session = current;
    });
    const res = await app.logout();
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it('a failed destroy fails the request like a failed commit, never an unhandled rejection', async () => {
    const store = new FlakyStore();
    const app = await startApp(
      async (ctx) => {
        ctx.session = null;
        // Written after the destroy was asked for: must not be committed when it fails.
        (ctx.session.data as Data).after = true;
        // The destroy fails while the request goes on: nothing may be left unhandled.
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      { store },
    );
    store.failStore = true;
    const res = await app.logout();
    expect(res.status).toBe(500);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(app.errors).toEqual([expect.objectContaining({ message: 'backend down' })]);
    store.failStore = false;
    // Not destroyed, and the rest of the request was not committed either.
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    expect(unhandled).toEqual([]);
  });

  it('a failed destroy after a downstream throw is reported, the throw answered', async () => {
    const store = new FlakyStore();
    const app = await startApp(
      (ctx) => {
        ctx.session = null;
        ctx.throw(409, 'conflict');
      },
      { store },
    );
    store.failStore = true;
    const res = await app.logout();
    expect(res.status).toBe(409);
    expect(app.errors).toEqual([
      expect.objectContaining({ message: 'backend down' }),
      expect.objectContaining({ status: 409 }),
    ]);
    expect(unhandled).toEqual([]);
  });

  it('assigned upstream after the commit: still destroyed; a failure is an app error', async () => {
    const store = new FlakyStore();
    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    app.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/logout') ctx.session = null;
    });
    app.use(session({ secret, store }));
    app.use((ctx) => {
      if (ctx.path === '/login') (ctx.session.data as Data).user = 'ann';
      ctx.body = ctx.session.data;
    });
    const url = await serve(app);
    const login = async () => sessionCookie(await fetch(`${url}/login`));
    const me = async (cookie: string) => (await fetch(`${url}/me`, { headers: { cookie } })).json();

    const first = await login();
    await fetch(`${url}/logout`, { headers: { cookie: first } });
    expect(await me(first)).toEqual({});

    const second = await login();
    store.failStore = true;
    expect((await fetch(`${url}/logout`, { headers: { cookie: second } })).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([expect.objectContaining({ message: 'backend down' })]);
    expect(unhandled).toEqual([]);
  });

  it('mounted twice for one cookie: the first session() owns ctx.session and its destroy', async () => {
    const store = new MemoryStore();
    const app = new Koa();
    const shared = session({ secret, store });
    app.use(shared);
    app.use(session({ secret, store }));
    app.use(shared);
    app.use((ctx) => {
      if (ctx.path === '/login') (ctx.session.data as Data).user = 'ann';
      else ctx.session = null;
      ctx.body = ctx.session.data;
    });
    const url = await serve(app);
    const login = await fetch(`${url}/login`);
    expect(login.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['fmsid']);
    const cookie = sessionCookie(login);
    const out = await fetch(`${url}/logout`, { headers: { cookie } });
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(clearing)]);
    expect(await (await fetch(`${url}/me`, { headers: { cookie } })).json()).toEqual({});
  });

  it('a session() for another cookie name is a session of its own, inside it only', async () => {
    const store = new MemoryStore();
    const app = new Koa();
    app.use(session({ secret, store }));
    app.use(async (ctx, next) => {
      if (ctx.path === '/login') (ctx.session.data as Data).user = 'ann';
      await next();
      // Back outside the admin session(): ctx.session is the outer one again.
      ctx.set('x-outer', JSON.stringify(ctx.session.data));
    });
    app.use(session({ secret, store, name: 'admin', cookie: { sameSite: 'strict' } }));
    app.use((ctx) => {
      if (ctx.path === '/login') (ctx.session.data as Data).admin = true;
      if (ctx.path === '/logout') ctx.session = null;
      ctx.body = ctx.session.data;
    });
    const url = await serve(app);
    const login = await fetch(`${url}/login`);
    const set = login.headers.getSetCookie();
    expect(set.map((c) => c.split('=')[0])).toEqual(['admin', 'fmsid']);
    expect(set[0]).toMatch(/SameSite=Strict/i);
    expect(await login.json()).toEqual({ admin: true });
    expect(login.headers.get('x-outer')).toBe('{"user":"ann"}');
    const cookie = set.map((c) => c.split(';', 1)[0]).join('; ');
    const me = await fetch(`${url}/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ admin: true });
    expect(me.headers.get('x-outer')).toBe('{"user":"ann"}');
    // ctx.session = null inside ends the admin session only.
    const out = await fetch(`${url}/logout`, { headers: { cookie } });
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/^admin=; Max-Age=0/)]);
    const after = await fetch(`${url}/me`, { headers: { cookie } });
    expect(await after.json()).toEqual({});
    expect(after.headers.get('x-outer')).toBe('{"user":"ann"}');
  });

  it('refuses a session() mounted again inside one for another name, rather than hand on the wrong session', async () => {
    const store = new MemoryStore();
    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    const main = session({ secret, store });
    app.use(main);
    app.use(session({ secret, store, name: 'admin' }));
    app.use(main);
    app.use((ctx) => {
      (ctx.session.data as Data).cart = ['apple'];
      ctx.body = { ok: true };
    });
    const url = await serve(app);
    const res = await fetch(url);
    expect(res.status).toBe(500);
    // Neither session got the cart: nothing was written, no cookie sent.
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'ERR_SESSION_OPTIONS',
        message: expect.stringMatching(/"fmsid" is mounted again inside/),
      }),
    ]);
  });

  it('leaves alone the ctx of an app without session(), and routes that skip it', async () => {
    const withSession = new Koa();
    withSession.use(async (ctx, next) => {
      if (ctx.path !== '/skip') return next();
      (ctx as { session: unknown }).session = { plain: true };
      ctx.body = { session: ctx.session as unknown };
    });
    withSession.use(session({ secret, store: new MemoryStore() }));
    withSession.use((ctx) => {
      ctx.body = { data: ctx.session.data };
    });
    const plain = new Koa();
    plain.use((ctx) => {
      // Not even an inherited accessor: nothing of session() reaches another app's ctx.
      const has = 'session' in ctx;
      (ctx as { session: unknown }).session = { user: 'bob' };
      ctx.body = { has, after: ctx.session as unknown };
    });
    const a = await serve(withSession);
    const b = await serve(plain);
    expect(await (await fetch(a)).json()).toEqual({ data: {} });
    expect(await (await fetch(b)).json()).toEqual({ has: false, after: { user: 'bob' } });
    // A route of the same app that does not reach session(): a plain property, as before.
    expect(await (await fetch(`${a}/skip`)).json()).toEqual({ session: { plain: true } });
    expect(Object.hasOwn(plain.context, 'session')).toBe(false);
  });
});
