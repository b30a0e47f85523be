// The real csrf-sync 4 (synchronizer token in req.session.csrfToken) on session(): two apps
// over one store stand for two workers, so the token one issues is checked by the other.

import type { Server } from 'node:http';
import { csrfPost, sessionCookiePair, wrongToken } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import { csrfSync } from 'csrf-sync';
import express, { type ErrorRequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-csrf-sync-test-secret-0123456789abcdef';

const userOf = (data: object) => (data as { user?: string }).user ?? null;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function startWorker(store: MemoryStore) {
  const { generateToken, csrfSynchronisedProtection } = csrfSync();
  const app = express();
  app.use(session({ secret, store }));
  app.get('/anon', (_req, res) => {
    res.send('hi');
  });
  app.get('/csrf-token', (req, res) => {
    res.json({ token: generateToken(req) });
  });
  app.use(csrfSynchronisedProtection);
  app.post('/transfer', (req, res) => {
    res.json({ ok: true, user: userOf(req.session.data) });
  });
  // express-session's way: regenerate(callback) empties the session, token included.
  app.post('/login', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      (req.session.data as Record<string, unknown>).user = 'ann';
      res.json({ token: generateToken(req) });
    });
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.end()));
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status((err as { status?: number }).status ?? 500).json({ code: err.code });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

describe('csrf-sync with session(), token issued by one worker and checked by another', () => {
  it('accepts the stored token, refuses a missing or wrong one, and a new one after login and logout', async () => {
    const store = new MemoryStore();
    const [one, two] = [await startWorker(store), await startWorker(store)];

    const anon = await fetch(`${one}/anon`);
    expect(anon.headers.getSetCookie()).toEqual([]);

    const issued = await fetch(`${one}/csrf-token`);
    const cookie = sessionCookiePair(issued);
    const { token } = (await issued.json()) as { token: string };
    expect((await csrfPost(two, '/transfer', cookie, token)).status).toBe(200);
    expect(await (await fetch(`${two}/csrf-token`, { headers: { cookie } })).json()).toEqual({
      token,
    });
    expect(await (await csrfPost(two, '/transfer', cookie)).json()).toEqual({
      code: 'EBADCSRFTOKEN',
    });
    expect((await csrfPost(two, '/transfer', cookie, wrongToken(token))).status).toBe(403);

    const login = await csrfPost(two, '/login', cookie, token);
    const loggedIn = sessionCookiePair(login);
    const fresh = ((await login.json()) as { token: string }).token;
    expect(fresh).not.toBe(token);
    expect((await csrfPost(one, '/transfer', loggedIn, token)).status).toBe(403);
    expect(await (await csrfPost(one, '/transfer', loggedIn, fresh)).json()).toEqual({
      ok: true,
      user: 'ann',
    });

    expect((await csrfPost(one, '/logout', loggedIn, fresh)).status).toBe(200);
    expect((await csrfPost(two, '/transfer', loggedIn, fresh)).status).toBe(403);
  });
});
