// The real koa-passport 6 (passport 0.6) and passport-local on session(): passport calls
// req.session.regenerate(cb) and save(cb) and writes req.session.passport, koa-session style.
import { expectLoginRotatesId, loginFlowClient } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import { KoaPassport } from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { describe, expect, it } from 'vitest';
import { serve } from './helpers/serve.js';

const secret = 'koa-passport-test-secret-0123456789abcdef';
const users = [{ id: 'u1', username: 'ann', password: 'correct horse' }];
const ann = { username: 'ann', password: 'correct horse' };
type User = { id: string; username: string };

async function startApp() {
  const auth = new KoaPassport();
  auth.use(
    new LocalStrategy((username, password, done) => {
      const user = users.find((u) => u.username === username && u.password === password);
      if (!user) return done(null, false, { message: 'Wrong name or password' });
      done(null, { id: user.id, username: user.username });
    }),
  );
  auth.serializeUser((user, done) => done(null, (user as User).id));
  auth.deserializeUser((id: string, done) => {
    const user = users.find((u) => u.id === id);
    done(null, user ? { id: user.id, username: user.username } : false);
  });

  const app = new Koa();
  app.use(session({ secret, store: new MemoryStore() }));
  // A JSON body for passport-local (what koa-bodyparser does).
  app.use(async (ctx, next) => {
    if (ctx.method === 'POST') {
      let text = '';
      for await (const chunk of ctx.req) text += chunk;
      (ctx.request as { body?: unknown }).body = text ? JSON.parse(text) : {};
    }
    await next();
  });
  app.use(auth.initialize());
  app.use(auth.session());
  app.use(async (ctx, next) => {
    if (ctx.path === '/login' || ctx.path === '/login-keep') {
      await auth.authenticate('local', {
        successRedirect: '/me',
        failureRedirect: '/me',
        failureMessage: true,
        keepSessionInfo: ctx.path === '/login-keep',
      })(ctx, next);
    } else if (ctx.path === '/logout') {
      await ctx.logout();
      ctx.redirect('/me');
    } else if (ctx.path === '/visit') {
      const s = ctx.session as unknown as Record<string, unknown>;
      s.returnTo = '/cart';
      ctx.body = { id: ctx.session.id };
    } else {
      ctx.body = {
        user: (ctx.state.user as User | undefined)?.username ?? null,
        id: ctx.session.id,
        data: ctx.session.data,
      };
    }
  });
  const url = await serve(app);
  const request = loginFlowClient(url);
  const go = (method: string, path: string, cookie?: string, json?: object) =>
    request(method, path, cookie, json ? { json } : undefined);
  const me = async (cookie: string) => (await go('GET', '/me', cookie)).body;
  return { go, me };
}

describe('koa-passport 6 + passport-local on session()', () => {
  it('logs in on a new session id; ctx.state.user is set on later requests', async () => {
    const { go } = await startApp();
    const { after } = await expectLoginRotatesId(go, ann);
    // koa-session 7's regenerate keeps the data (express-session's would empty it).
    expect(after.data).toEqual({ returnTo: '/cart', passport: { user: 'u1' } });
  });

  it('a wrong password logs nobody in and leaves the message in the session', async () => {
    const { go, me } = await startApp();
    const anon = await go('POST', '/visit');
    const failed = await go('POST', '/login', anon.cookie, { ...ann, password: 'nope' });
    expect(failed.status).toBe(302);
    const after = await me(anon.cookie!);
    expect(after.user).toBeNull();
    expect(after.id).toBe(anon.body.id);
    expect(after.data).toEqual({ returnTo: '/cart', messages: ['Wrong name or password'] });
  });

  it('keepSessionInfo logs in (passport merges the session into itself)', async () => {
    const { go, me } = await startApp();
    const anon = await go('POST', '/visit');
    const login = await go('POST', '/login-keep', anon.cookie, ann);
    expect(login.status).toBe(302);
    const after = await me(login.cookie!);
    expect(after.user).toBe('ann');
    expect(after.data).toEqual({ returnTo: '/cart', passport: { user: 'u1' } });
  });

  it('logout ends the login: a new id without the user, and the logged-in id is dead', async () => {
    const { go, me } = await startApp();
    const login = await go('POST', '/login', undefined, ann);
    const loggedIn = login.cookie!;
    expect((await me(loggedIn)).user).toBe('ann');
    await go('POST', '/visit', loggedIn);
    const logout = await go('POST', '/logout', loggedIn);
    expect(logout.status).toBe(302);
    expect(logout.cookie).toMatch(/^fmsid=./);
    expect(logout.cookie).not.toBe(loggedIn);
    // As with koa-session 7: the user is gone, the rest of the data stays.
    const after = await me(logout.cookie!);
    expect(after.user).toBeNull();
    expect(after.data).toEqual({ passport: {}, returnTo: '/cart' });
    const replay = await me(loggedIn);
    expect(replay.user).toBeNull();
    expect(replay.data).toEqual({});
  });
});
