// ctx.flash: connect-flash's API over the session's flash messages. koa-passport's
// failureFlash calls req.flash (ctx.flash), and the flash middlewares koa-passport users add
// (koa-better-flash, koa-connect-flash) write ctx.session.flash, a member here: without
// ctx.flash their messages were lost without an error.
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import betterFlash from 'koa-better-flash';
import { KoaPassport } from 'koa-passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { describe, expect, it } from 'vitest';
import { serve, sessionCookie } from './helpers/serve.js';

const secret = 'koa-flash-compat-test-secret-0123456789abcdef';

describe('ctx.flash (connect-flash API)', () => {
  it('koa-better-flash: a message queued before a redirect is shown once', async () => {
    const app = new Koa();
    app.use(session({ secret, store: new MemoryStore() }));
    app.use(betterFlash());
    app.use((ctx) => {
      if (ctx.path === '/save') {
        ctx.flash('info', 'Saved');
        ctx.flash('info', 'Item %s', 42);
        ctx.flash('error', ['a', 'b']);
        ctx.redirect('/show');
      } else {
        // ctx.flash<T>: what was queued under the type (stated, not checked).
        const info: string[] = ctx.flash<string>('info');
        const rest: Record<string, string[]> = ctx.flash<string>();
        ctx.body = { info, rest };
      }
    });
    const url = await serve(app);
    const saved = await fetch(`${url}/save`, { method: 'POST', redirect: 'manual' });
    expect(saved.status).toBe(302);
    const cookie = sessionCookie(saved);
    const first = await fetch(`${url}/show`, { headers: { cookie } });
    expect(await first.json()).toEqual({ info: ['Saved', 'Item 42'], rest: { error: ['a', 'b'] } });
    const second = await fetch(`${url}/show`, { headers: { cookie } });
    expect(await second.json()).toEqual({ info: [], rest: {} });
  });

  it("koa-passport's failureFlash reaches the next page", async () => {
    const auth = new KoaPassport();
    auth.use(
      new LocalStrategy((_username, _password, done) =>
        done(null, false, { message: 'Wrong name or password' }),
      ),
    );
    const app = new Koa();
    app.use(session({ secret, store: new MemoryStore() }));
    app.use(async (ctx, next) => {
      (ctx.request as { body?: unknown }).body = { username: 'ann', password: 'nope' };
      await next();
    });
    app.use(auth.initialize());
    app.use(async (ctx, next) => {
      if (ctx.method === 'POST') {
        await auth.authenticate('local', { failureRedirect: '/login', failureFlash: true })(
          ctx,
          next,
        );
      } else {
        ctx.body = { errors: ctx.flash('error') };
      }
    });
    const url = await serve(app);
    const login = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual' });
    expect(login.status).toBe(302);
    const page = await fetch(`${url}/login`, { headers: { cookie: sessionCookie(login) } });
    expect(await page.json()).toEqual({ errors: ['Wrong name or password'] });
  });

  it('shares the queue with ctx.session.flash()/flashes()', async () => {
    const app = new Koa();
    app.use(session({ secret, store: new MemoryStore() }));
    app.use((ctx) => {
      if (ctx.path === '/set') {
        ctx.flash('info', 'via ctx.flash');
        ctx.session.flash('info', 'via session');
        ctx.body = { queued: ctx.flash('info', 'x') };
      } else ctx.body = ctx.session.flashes('info');
    });
    const url = await serve(app);
    const set = await fetch(`${url}/set`);
    expect(await set.json()).toEqual({ queued: 3 }); // unread of that type, as connect-flash
    const got = await fetch(`${url}/get`, { headers: { cookie: sessionCookie(set) } });
    expect(await got.json()).toEqual(['via ctx.flash', 'via session', 'x']);
  });

  it('an app without session() gets no ctx.flash; a request without it gets a clear error', async () => {
    const plain = new Koa();
    plain.use((ctx) => {
      ctx.body = { flash: typeof (ctx as { flash?: unknown }).flash };
    });
    const plainUrl = await serve(plain);
    expect(await (await fetch(plainUrl)).json()).toEqual({ flash: 'undefined' });

    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    const sessions = session({ secret, store: new MemoryStore() });
    app.use(async (ctx, next) => (ctx.path === '/with' ? sessions(ctx, next) : next()));
    app.use((ctx) => {
      ctx.body = ctx.path === '/with' ? 'ok' : ctx.flash('info');
    });
    const url = await serve(app);
    expect((await fetch(`${url}/with`)).status).toBe(200);
    expect((await fetch(`${url}/without`)).status).toBe(500);
    expect(errors[0]).toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
  });
});
