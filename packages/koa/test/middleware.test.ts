import type { Server } from 'node:http';
import { session } from '@fastmmap/koa';
import { MemoryStore, type StoredData } from '@fastmmap/session-core';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/conformance-app.js';

const secret = 'koa-middleware-test-secret-0123456789abcdefghij';
type Data = Record<string, unknown>;

class FlakyStore extends MemoryStore {
  failGet = false;
  override async get(id: string): Promise<StoredData | undefined> {
    if (this.failGet) throw new Error('backend down');
    return super.get(id);
  }
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function serve(app: Koa): Promise<string> {
  app.silent = true;
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

function sessionCookie(res: Response): string {
  const value = res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
  if (!value) throw new Error('no session cookie');
  return value.split(';')[0]!;
}

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

  it('a request that throws commits nothing', async () => {
    const store = new MemoryStore();
    const app = new Koa();
    app.use(session({ secret, store }));
    app.use((ctx) => {
      const data = ctx.session.data as Data;
      if (ctx.path === '/set') {
        data.n = 1;
        ctx.body = 'ok';
      } else if (ctx.path === '/fail') {
        data.n = 2;
        throw new Error('handler failed');
      } else {
        ctx.body = data;
      }
    });
    const url = await serve(app);
    const cookie = sessionCookie(await fetch(`${url}/set`));
    expect((await fetch(`${url}/fail`, { headers: { cookie } })).status).toBe(500);
    expect(await (await fetch(`${url}/get`, { headers: { cookie } })).json()).toEqual({ n: 1 });
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
