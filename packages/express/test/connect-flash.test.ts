// connect-flash next to session(): its flash steps aside for req.flash, in either order.
import type { Server } from 'node:http';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import flash from 'connect-flash';
import express, { type ErrorRequestHandler } from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-connect-flash-secret-0123456789abcdef';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function serve(
  createApp: () => express.Express,
  flashFirst: boolean,
  options: { unsafe?: boolean; beforeSession?: express.RequestHandler } = {},
) {
  const app = createApp();
  if (flashFirst) app.use(flash({ unsafe: options.unsafe ?? false }));
  if (options.beforeSession) app.use(options.beforeSession);
  app.use(session({ secret, store: new MemoryStore() }));
  if (!flashFirst) app.use(flash());
  app.get('/set', (req, res) => {
    req.flash('info', 'saved!');
    res.redirect('/get');
  });
  app.get('/fast', (_req, res) => {
    res.end();
  });
  app.get('/get', (req, res) => {
    // req.flash<T>: what was queued under the type (stated, not checked).
    const info: string[] = req.flash<string>('info');
    res.json({ info });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(500).json({ error: (err as { code?: string }).code ?? String(err) });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

/** /set queues a flash and redirects; /get, with the cookie /set gave, reads it. */
async function expectFlashRoundTrip(url: string, prefix = '', pendingSet?: Promise<Response>) {
  const set = await (pendingSet ?? fetch(`${url}${prefix}/set`, { redirect: 'manual' }));
  expect(set.status).toBe(302);
  const cookie = set.headers.getSetCookie()[0]!.split(';')[0]!;
  const get = await fetch(`${url}${prefix}/get`, { headers: { cookie } });
  expect(await get.json()).toEqual({ info: ['saved!'] });
}

describe('connect-flash with session()', () => {
  for (const [name, createApp] of [
    ['Express 5', express],
    ['Express 4', express4 as unknown as () => express.Express],
  ] as const) {
    for (const flashFirst of [true, false]) {
      it(`${name}, flash() mounted ${flashFirst ? 'before' : 'after'} session(): the first request's flash works too`, async () => {
        const url = await serve(createApp, flashFirst);
        for (let round = 0; round < 2; round++) await expectFlashRoundTrip(url);
      });
    }
  }

  it('flash({ unsafe: true }) before session(), which sets its own req.flash on every request: every flash works, past the first requests too', async () => {
    const url = await serve(express, true, { unsafe: true });
    for (let i = 0; i < 1100; i++) await (await fetch(`${url}/fast`)).arrayBuffer();
    await expectFlashRoundTrip(url);
  });

  it('a request held between flash() and session() while many others pass still flashes', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holdSet: express.RequestHandler = (req, _res, next) => {
      if (req.path === '/set') held.then(() => next());
      else next();
    };
    const url = await serve(express, true, { beforeSession: holdSet });
    const set = fetch(`${url}/set`, { redirect: 'manual' });
    for (let i = 0; i < 1100; i++) await (await fetch(`${url}/fast`)).arrayBuffer();
    release();
    await expectFlashRoundTrip(url, '', set);
  });

  it('a path-scoped flash({ unsafe: true }) before session(), reached only after many other requests, still flashes', async () => {
    const app = express();
    app.use('/auth', flash({ unsafe: true }));
    app.use(session({ secret, store: new MemoryStore() }));
    app.get('/page', (_req, res) => {
      res.end();
    });
    app.get('/auth/set', (req, res) => {
      req.flash('info', 'saved!');
      res.redirect('/auth/get');
    });
    app.get('/auth/get', (req, res) => {
      res.json({ info: req.flash('info') });
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    const url = await listen(server);
    for (let i = 0; i < 1100; i++) await (await fetch(`${url}/page`)).arrayBuffer();
    await expectFlashRoundTrip(url, '/auth');
  });
});
