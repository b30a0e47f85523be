import type { Server } from 'node:http';
import { expectLoginRotatesId, loginFlowClient } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import express from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

// The real passport 0.7 and passport-local on session(): passport calls regenerate(cb),
// save(cb) and reads/writes req.session.passport, the express-session way.
const secret = 'express-passport-test-secret-0123456789abcdef';
const users = [{ id: 'u1', username: 'ann', password: 'correct horse' }];
type User = { id: string; username: string };

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function startApp() {
  const auth = new passport.Passport();
  auth.use(
    new LocalStrategy((username, password, done) => {
      const user = users.find((u) => u.username === username && u.password === password);
      if (!user) return done(null, false, { message: 'Wrong name or password' });
      done(null, { id: user.id, username: user.username });
    }),
  );
  auth.serializeUser<string>((user, done) => done(null, (user as User).id));
  auth.deserializeUser<string>((id, done) => {
    const user = users.find((u) => u.id === id);
    done(null, user ? { id: user.id, username: user.username } : false);
  });

  const store = new MemoryStore();
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({ secret, store }));
  app.use(auth.initialize());
  app.use(auth.session());
  app.get('/me', (req, res) => {
    res.json({
      user: (req.user as User | undefined)?.username ?? null,
      id: req.session.id,
      data: req.session.data,
    });
  });
  // Anonymous state before login (a cart, a returnTo URL).
  app.post('/visit', (req, res) => {
    (req.session.data as Record<string, unknown>).returnTo = '/cart';
    res.json({ id: req.session.id });
  });
  const failure = { failureRedirect: '/me', failureMessage: true };
  app.post('/login', auth.authenticate('local', { successRedirect: '/me', ...failure }));
  // connect-flash style messages, which passport writes through req.flash().
  app.post(
    '/login-flash',
    auth.authenticate('local', {
      successRedirect: '/flash',
      successFlash: 'Welcome back',
      failureRedirect: '/flash',
      failureFlash: true,
    }),
  );
  app.get('/flash', (req, res) => {
    res.json({ error: req.flash('error'), success: req.flash('success'), rest: req.flash() });
  });
  app.post(
    '/login-keep',
    auth.authenticate('local', { successRedirect: '/me', keepSessionInfo: true, ...failure }),
  );
  app.post('/logout', (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.redirect(303, '/me')));
  });

  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const url = await listen(server);
  const request = loginFlowClient(url);
  const go = (method: string, path: string, cookie?: string, form?: Record<string, string>) =>
    request(method, path, cookie, form ? { form } : undefined);
  const me = async (cookie: string) => (await go('GET', '/me', cookie)).body;
  return { go, me, store };
}

const ann = { username: 'ann', password: 'correct horse' };

describe('passport 0.7 + passport-local on session()', () => {
  it('logs in on a new session id, then req.user is set on later requests', async () => {
    const { go } = await startApp();
    const { after, stale } = await expectLoginRotatesId(go, ann);
    // express-session semantics: without keepSessionInfo the login session starts empty.
    expect(after.data).toEqual({ passport: { user: 'u1' } });
    expect(stale.data).toEqual({});
  });

  it('keepSessionInfo keeps the anonymous data across the login', async () => {
    const { go, me } = await startApp();
    const anon = await go('POST', '/visit');
    const login = await go('POST', '/login-keep', anon.cookie, ann);
    expect(login.cookie).not.toBe(anon.cookie);
    expect((await me(login.cookie!)).data).toEqual({
      returnTo: '/cart',
      passport: { user: 'u1' },
    });
  });

  it('a wrong password does not log in and leaves the message in req.session.messages', async () => {
    const { go, me } = await startApp();
    const failed = await go('POST', '/login', undefined, { ...ann, password: 'nope' });
    expect(failed.status).toBe(302);
    const after = await me(failed.cookie!);
    expect(after.user).toBeNull();
    expect(after.data).toEqual({ messages: ['Wrong name or password'] });
  });

  it("failureFlash and successFlash go through req.flash(), connect-flash's API", async () => {
    const { go } = await startApp();
    const failed = await go('POST', '/login-flash', undefined, { ...ann, password: 'nope' });
    expect(failed.location).toBe('/flash');
    const shown = await go('GET', '/flash', failed.cookie);
    expect(shown.body).toEqual({ error: ['Wrong name or password'], success: [], rest: {} });
    // Read once: gone.
    expect((await go('GET', '/flash', failed.cookie)).body.error).toEqual([]);
    const login = await go('POST', '/login-flash', undefined, ann);
    expect((await go('GET', '/flash', login.cookie)).body.success).toEqual(['Welcome back']);
  });

  it('logout ends the login: a new id, and the logged-in id is dead', async () => {
    const { go, me } = await startApp();
    const login = await go('POST', '/login', undefined, ann);
    const loggedIn = login.cookie!;
    const before = await me(loggedIn);
    expect(before.user).toBe('ann');
    const logout = await go('POST', '/logout', loggedIn);
    expect(logout.status).toBe(303);
    expect(logout.cookie).toMatch(/^fmsid=./);
    expect(logout.cookie).not.toBe(loggedIn);
    // Like express-session: the session after logout starts empty.
    const loggedOut = await me(logout.cookie!);
    expect(loggedOut.user).toBeNull();
    expect(loggedOut.data).toEqual({});
    // The old cookie, replayed, is worth nothing.
    const replay = await me(loggedIn);
    expect(replay.user).toBeNull();
    expect(replay.data).toEqual({});
    expect(replay.id).not.toBe(before.id);
  });
});
