// session() reached twice on one request: the first one for a cookie wins, as in Express/Koa.
import { MemoryStore } from '@fastmmap/session-core';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { describe, expect, it, vi } from 'vitest';
import { type SessionVariables, session } from '../src/index.js';

const secret = 'a-secret-of-at-least-32-characters!!';
type Env = { Variables: SessionVariables<Record<string, unknown>> };

const pairs = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';', 1)[0]!);

/** An app-wide middleware that writes to the session before the second session() runs. */
const remembersLanguage = createMiddleware<Env>(async (c, next) => {
  c.get('session').data.lang ??= 'en';
  await next();
});

function accountRoutes(app: Hono<Env>) {
  app.get('/account/login', (c) => {
    c.get('session').data.user = 'ann';
    return c.redirect('/account/me');
  });
  app.get('/account/me', (c) => c.json(c.get('session').data));
}

describe('session() reached twice on one request', () => {
  it('the same middleware app-wide and on a path: one record, one cookie, one commit', async () => {
    const store = new MemoryStore();
    const getAndSet = vi.spyOn(store, 'getAndSet');
    const sessions = session({ secret, store });
    const app = new Hono<Env>();
    app.use(sessions);
    app.use(remembersLanguage);
    app.use('/account/*', sessions);
    accountRoutes(app);

    const login = await app.request('/account/login');
    expect(login.status).toBe(302);
    const cookies = pairs(login);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^fmsid=./);
    expect(store.size).toBe(1);
    expect(getAndSet).toHaveBeenCalledTimes(1);

    // The login and what the earlier middleware wrote are in the one session the cookie names.
    const me = await app.request('/account/me', { headers: { cookie: cookies[0]! } });
    expect(await me.json()).toEqual({ lang: 'en', user: 'ann' });
  });

  it('a sub-app with its own session() for the same cookie, mounted with app.route()', async () => {
    const store = new MemoryStore();
    const app = new Hono<Env>();
    app.use(session({ secret, store }));
    app.use(remembersLanguage);
    const account = new Hono<Env>();
    account.use(session({ secret, store }));
    accountRoutes(account);
    app.route('/', account);

    const login = await app.request('/account/login');
    const cookies = pairs(login);
    expect(cookies).toHaveLength(1);
    expect(store.size).toBe(1);
    const me = await app.request('/account/me', { headers: { cookie: cookies[0]! } });
    expect(await me.json()).toEqual({ lang: 'en', user: 'ann' });
  });

  it('a session() for another cookie name still runs: its own cookie and session', async () => {
    const store = new MemoryStore();
    const app = new Hono<Env>();
    app.use(session({ secret, store }));
    app.use(remembersLanguage);
    app.use('/admin/*', session({ secret, store, name: 'admin' }));
    app.get('/admin/login', (c) => {
      c.get('session').data.admin = true;
      return c.json(c.get('session').data);
    });
    app.get('/admin/me', (c) => c.json(c.get('session').data));
    app.get('/me', (c) => c.json(c.get('session').data));

    const login = await app.request('/admin/login');
    // The handler sees the admin session, which the app-wide one's write did not reach.
    expect(await login.json()).toEqual({ admin: true });
    const cookies = pairs(login);
    expect(cookies.map((c) => c.split('=', 1)[0]).sort()).toEqual(['admin', 'fmsid']);
    expect(store.size).toBe(2);
    const cookie = cookies.join('; ');
    expect(await (await app.request('/admin/me', { headers: { cookie } })).json()).toEqual({
      admin: true,
    });
    expect(await (await app.request('/me', { headers: { cookie } })).json()).toEqual({
      lang: 'en',
    });
  });

  it('the same middleware mounted again after a session() for another name still runs once', async () => {
    const store = new MemoryStore();
    const sessions = session({ secret, store });
    const app = new Hono<Env>();
    app.use(sessions);
    app.use(remembersLanguage); // so the app-wide session has something to store
    app.use('/admin/*', session({ secret, store, name: 'admin' }));
    app.use('/admin/*', sessions);
    app.get('/admin/login', (c) => {
      c.get('session').data.admin = true;
      return c.json(c.get('session').data);
    });
    const login = await app.request('/admin/login');
    expect(
      pairs(login)
        .map((c) => c.split('=', 1)[0])
        .sort(),
    ).toEqual(['admin', 'fmsid']);
  });
});
