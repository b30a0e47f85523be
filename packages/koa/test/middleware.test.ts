import { FlakyStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { serve, sessionCookie } from './helpers/serve.js';

const secret = 'koa-middleware-test-secret-0123456789abcdefghij';
type Data = Record<string, unknown>;

describe('@fastmmap/koa session()', () => {
  it('keeps cookies set by the app and commits before the response', async () => {
    const app = new Koa();
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      if (ctx.path === '/login') {
        ctx.cookies.set('theme', 'dark');
        (ctx.session.data as Data).user = 'ann';
        ctx.redirect('/me');
      } else {
        ctx.body = ctx.session.data;
      }
    });
    const url = await serve(app);
    const res = await fetch(`${url}/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const names = res.headers.getSetCookie().map((c) => c.split('=')[0]);
    expect(names.sort()).toEqual(['fmsid', 'theme']);
    const me = await fetch(`${url}/me`, { headers: { cookie: sessionCookie(res) } });
    expect(await me.json()).toEqual({ user: 'ann' });
  });

  it("a too-large session goes through Koa's error handling as a typed error", async () => {
    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      (ctx.session.data as Data).big = 'x'.repeat(2 * 1024 * 1024);
      ctx.body = { ok: true };
    });
    const url = await serve(app);
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('Internal Server Error');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(errors[0]).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_TOO_LARGE' });
  });

  it("a store that cannot serve gives Koa's 503, at load and at commit", async () => {
    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    const store = new MemoryStore();
    app.use(session({ secret, store }));
    app.use((ctx) => {
      (ctx.session.data as Data).n = 1;
      ctx.body = { ok: true };
    });
    const url = await serve(app);
    const cookie = sessionCookie(await fetch(url));
    await store.close(); // ERR_SESSION_STORE_UNAVAILABLE from here on
    const atLoad = await fetch(url, { headers: { cookie } });
    const atCommit = await fetch(url);
    expect([atLoad.status, atCommit.status]).toEqual([503, 503]);
    expect(await atCommit.text()).toBe('Service Unavailable');
    expect(errors).toEqual([
      expect.objectContaining({ code: 'ERR_SESSION_STORE_UNAVAILABLE' }),
      expect.objectContaining({ code: 'ERR_SESSION_STORE_UNAVAILABLE' }),
    ]);
  });

  it('commits what a request changed before it threw, when an upstream handler renders a page', async () => {
    const app = new Koa();
    const caught: unknown[] = [];
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        caught.push(err);
        ctx.status = 500;
        ctx.type = 'html';
        ctx.body = '<h1>Sorry</h1>';
      }
    });
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      const data = ctx.session.data as Data;
      if (ctx.path === '/fail') {
        data.attempts = ((data.attempts as number | undefined) ?? 0) + 1;
        throw new Error('handler failed');
      }
      ctx.body = data;
    });
    const url = await serve(app);
    // A new session: the error page carries its cookie.
    const first = await fetch(`${url}/fail`);
    expect(first.status).toBe(500);
    expect(await first.text()).toBe('<h1>Sorry</h1>');
    const cookie = sessionCookie(first);
    expect((await fetch(`${url}/fail`, { headers: { cookie } })).status).toBe(500);
    expect(await (await fetch(`${url}/get`, { headers: { cookie } })).json()).toEqual({
      attempts: 2,
    });
    expect(caught).toHaveLength(2);
  });

  it("commits before Koa's own error handling answers, too", async () => {
    const app = new Koa();
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      const data = ctx.session.data as Data;
      if (ctx.path === '/set') {
        data.n = 1;
        ctx.body = 'ok';
      } else if (ctx.path === '/fail') {
        data.n = 2;
        ctx.throw(409, 'conflict');
      } else {
        ctx.body = data;
      }
    });
    const url = await serve(app);
    const cookie = sessionCookie(await fetch(`${url}/set`));
    expect((await fetch(`${url}/fail`, { headers: { cookie } })).status).toBe(409);
    expect(await (await fetch(`${url}/get`, { headers: { cookie } })).json()).toEqual({ n: 2 });
  });

  it('a commit that fails after a throw does not mask the original error', async () => {
    const app = new Koa();
    const caught: unknown[] = [];
    const events: unknown[] = [];
    app.on('error', (err) => events.push(err));
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        caught.push(err);
        ctx.status = 500;
        ctx.body = 'Sorry';
      }
    });
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      (ctx.session.data as Data).big = 'x'.repeat(2 * 1024 * 1024);
      throw new Error('original');
    });
    const url = await serve(app);
    const res = await fetch(url);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('Sorry');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(caught).toEqual([expect.objectContaining({ message: 'original' })]);
    // The commit's own failure is reported as the app's 'error' event.
    expect(events).toEqual([expect.objectContaining({ code: 'ERR_SESSION_TOO_LARGE' })]);
  });

  it('a store that throws on load gives a 500 without the secret', async () => {
    const store = new FlakyStore();
    const app = new Koa();
    app.use(session({ secret, store }));
    app.use((ctx) => {
      (ctx.session.data as Data).n = 1;
      ctx.body = 'ok';
    });
    const url = await serve(app);
    const cookie = sessionCookie(await fetch(url));
    store.failGet = true;
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain(secret);
  });

  it('marks the cookie Secure behind a trusted HTTPS proxy (app.proxy)', async () => {
    const app = new Koa({ proxy: true });
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      (ctx.session.data as Data).n = 1;
      ctx.body = 'ok';
    });
    const url = await serve(app);
    const https = await fetch(url, { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.getSetCookie()[0]).toMatch(/; Secure/i);
    const plain = await fetch(url);
    expect(plain.headers.getSetCookie()[0]).not.toMatch(/; Secure/i);
  });
});
