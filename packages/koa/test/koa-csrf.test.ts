// The real koa-csrf 5 on session(): it keeps its secret in ctx.session.secret. Two apps over
// one store stand for two workers, so the token one issues is checked by the other.
import { csrfPost, wrongToken } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import CSRF from 'koa-csrf';
import { describe, expect, it } from 'vitest';
import { serve, sessionCookie } from './helpers/serve.js';

const secret = 'koa-csrf-test-secret-0123456789abcdef';

async function startWorker(store: MemoryStore): Promise<string> {
  const app = new Koa();
  app.use(session({ secret, store }));
  app.use(async (ctx, next) => {
    if (ctx.path === '/anon') ctx.body = 'hi';
    else await next();
  });
  // koa-csrf reads ctx.request.body._csrf: an empty body, as koa-bodyparser gives.
  app.use(async (ctx, next) => {
    (ctx.request as { body?: unknown }).body = {};
    await next();
  });
  app.use(CSRF());
  app.use(async (ctx) => {
    const state = ctx.state as { _csrf: string };
    if (ctx.path === '/csrf-token') ctx.body = { token: state._csrf };
    else if (ctx.path === '/transfer')
      ctx.body = { ok: true, user: (ctx.session.data as { user?: string }).user ?? null };
    else if (ctx.path === '/login') {
      await ctx.session.regenerate();
      (ctx.session.data as Record<string, unknown>).user = 'ann';
      ctx.body = { token: state._csrf };
    } else if (ctx.path === '/logout') {
      ctx.session = null;
      ctx.body = {};
    }
  });
  return serve(app);
}

describe('koa-csrf with session(), token issued by one worker and checked by another', () => {
  it('accepts the stored secret, refuses a missing or wrong token, keeps it at login and drops it at logout', async () => {
    const store = new MemoryStore();
    const [one, two] = [await startWorker(store), await startWorker(store)];

    expect((await fetch(`${one}/anon`)).headers.getSetCookie()).toEqual([]);

    const issued = await fetch(`${one}/csrf-token`);
    const cookie = sessionCookie(issued);
    const { token } = (await issued.json()) as { token: string };
    expect(await (await csrfPost(two, '/transfer', cookie, token)).json()).toEqual({
      ok: true,
      user: null,
    });
    expect((await csrfPost(two, '/transfer', cookie)).status).toBe(403);
    expect((await csrfPost(two, '/transfer', cookie, wrongToken(token))).status).toBe(403);

    // regenerate() keeps the data, as koa-session's does: the secret too, so both tokens pass.
    const login = await csrfPost(two, '/login', cookie, token);
    const loggedIn = sessionCookie(login);
    const next = ((await login.json()) as { token: string }).token;
    expect((await csrfPost(one, '/transfer', cookie, token)).status).toBe(403);
    for (const t of [token, next]) {
      expect(await (await csrfPost(one, '/transfer', loggedIn, t)).json()).toEqual({
        ok: true,
        user: 'ann',
      });
    }

    expect((await csrfPost(one, '/logout', loggedIn, next)).status).toBe(200);
    expect((await csrfPost(two, '/transfer', loggedIn, next)).status).toBe(403);
  });
});
