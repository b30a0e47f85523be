// ctx.session speaks koa-session's API too: data as properties, toJSON, populated, length,
// and the node-style callbacks passport calls.
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { serve, sessionCookie } from './helpers/serve.js';

const secret = 'koa-session-api-test-secret-0123456789abcd';
type Loose = Record<string, unknown>;

/** An app whose one route is `route`; every response is JSON. */
async function startApp(route: (ctx: Koa.Context) => unknown) {
  const app = new Koa();
  app.use(session({ secret, store: new MemoryStore() }));
  app.use(async (ctx) => {
    ctx.body = (await route(ctx)) ?? {};
  });
  const url = await serve(app);
  return async (path: string, cookie?: string) => {
    const res = await fetch(url + path, { headers: cookie ? { cookie } : {} });
    return { res, body: (await res.json()) as Loose };
  };
}

describe("ctx.session, koa-session's API", () => {
  it('ctx.body = ctx.session sends the data; populated and length count its keys', async () => {
    const go = await startApp((ctx) => {
      const s = ctx.session as unknown as Loose;
      if (ctx.path === '/json') return ctx.session;
      const before = [ctx.session.populated, ctx.session.length];
      s.views = 1;
      s.user = 'ann';
      return { before, after: [ctx.session.populated, ctx.session.length] };
    });
    const first = await go('/count');
    expect(first.body).toEqual({ before: [false, 0], after: [true, 2] });
    const cookie = sessionCookie(first.res);
    expect((await go('/json', cookie)).body).toEqual({ views: 1, user: 'ann' });
  });

  it('save(cb), regenerate(cb) and destroy(cb) call back; regenerate(cb) keeps the data', async () => {
    const calls: string[] = [];
    const go = await startApp(async (ctx) => {
      const s = ctx.session as unknown as Loose;
      const step = (name: string, run: (done: (err?: unknown) => void) => void) =>
        new Promise<void>((resolve, reject) =>
          run((err) => {
            calls.push(name);
            if (err) reject(err);
            else resolve();
          }),
        );
      if (ctx.path === '/login') {
        s.cart = [1];
        await step('save', (done) => ctx.session.save(done));
        const oldId = ctx.session.id;
        await step('regenerate', (done) => ctx.session.regenerate(done));
        return { changed: ctx.session.id !== oldId, data: ctx.session.data };
      }
      await step('destroy', (done) => ctx.session.destroy(done));
      return { destroyed: ctx.session.destroyed };
    });
    const login = await go('/login');
    expect(login.body).toEqual({ changed: true, data: { cart: [1] } });
    expect((await go('/logout', sessionCookie(login.res))).body).toEqual({ destroyed: true });
    expect(calls).toEqual(['save', 'regenerate', 'destroy']);
  });

  it('ctx.session[a][b] = v with a = __proto__ reaches no prototype; other sessions unharmed', async () => {
    const go = await startApp((ctx) => {
      const s = ctx.session as unknown as Record<string, Record<string, unknown>>;
      if (ctx.path === '/pollute') {
        try {
          // An app that writes client-chosen keys: a = '__proto__', b = 'passport'.
          (Reflect.get(s, '__proto__') as Record<string, unknown>).passport = 'x';
        } catch {
          return { blocked: true };
        }
        return { blocked: false };
      }
      s.passport = { user: 'bob' };
      return { passport: s.passport, viaData: ctx.session.data };
    });
    expect((await go('/pollute')).body).toEqual({ blocked: true });
    expect((await go('/login')).body).toEqual({
      passport: { user: 'bob' },
      viaData: { passport: { user: 'bob' } },
    });
  });
});
