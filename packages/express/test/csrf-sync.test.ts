// The real csrf-sync 4 (synchronizer token in req.session.csrfToken) on session(): two apps
// over one store stand for two workers, so the token one issues is checked by the other.
import type { Server } from 'node:http';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import { csrfSync } from 'csrf-sync';
import express, { type ErrorRequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

/** The token with its last character changed (a fixed suffix could be the token's own). */
const wrongToken = (token: string) => `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;

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

/** The `fmsid=...` pair of a response's session cookie. */
function sessionCookie(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0]!;
}

describe('csrf-sync with session(), token issued by one worker and checked by another', () => {
  it('accepts the stored token, refuses a missing or wrong one, and a new one after login and logout', async () => {
    const store = new MemoryStore();
    const [one, two] = [await startWorker(store), await startWorker(store)];
    const post = (url: string, path: string, cookie: string, token?: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { cookie, ...(token === undefined ? {} : { 'x-csrf-token': token }) },
      });

    const anon = await fetch(`${one}/anon`);
    expect(anon.headers.getSetCookie()).toEqual([]);

    const issued = await fetch(`${one}/csrf-token`);
    const cookie = sessionCookie(issued);
    const { token } = (await issued.json()) as { token: string };
    expect((await post(two, '/transfer', cookie, token)).status).toBe(200);
    expect(await (await fetch(`${two}/csrf-token`, { headers: { cookie } })).json()).toEqual({
      token,
    });
    expect(await (await post(two, '/transfer', cookie)).json()).toEqual({ code: 'EBADCSRFTOKEN' });
    expect((await post(two, '/transfer', cookie, wrongToken(token))).status).toBe(403);

    const login = await post(two, '/login', cookie, token);
    const loggedIn = sessionCookie(login);
    const fresh = ((await login.json()) as { token: string }).token;
    expect(fresh).not.toBe(token);
    expect((await post(one, '/transfer', loggedIn, token)).status).toBe(403);
    expect(await (await post(one, '/transfer', loggedIn, fresh)).json()).toEqual({
      ok: true,
      user: 'ann',
    });

    expect((await post(one, '/logout', loggedIn, fresh)).status).toBe(200);
    expect((await post(two, '/transfer', loggedIn, fresh)).status).toBe(403);
  });
});
