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

async function serve(createApp: () => express.Express, flashFirst: boolean) {
  const app = createApp();
  if (flashFirst) app.use(flash());
  app.use(session({ secret, store: new MemoryStore() }));
  if (!flashFirst) app.use(flash());
  app.get('/set', (req, res) => {
    req.flash('info', 'saved!');
    res.redirect('/get');
  });
  app.get('/get', (req, res) => {
    res.json({ info: req.flash('info') });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(500).json({ error: (err as { code?: string }).code ?? String(err) });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

describe('connect-flash with session()', () => {
  for (const [name, createApp] of [
    ['Express 5', express],
    ['Express 4', express4 as unknown as () => express.Express],
  ] as const) {
    for (const flashFirst of [true, false]) {
      it(`${name}, flash() mounted ${flashFirst ? 'before' : 'after'} session(): the first request's flash works too`, async () => {
        const url = await serve(createApp, flashFirst);
        for (let round = 0; round < 2; round++) {
          const set = await fetch(`${url}/set`, { redirect: 'manual' });
          expect(set.status).toBe(302);
          const cookie = set.headers.getSetCookie()[0]!.split(';')[0]!;
          const get = await fetch(`${url}/get`, { headers: { cookie } });
          expect(await get.json()).toEqual({ info: ['saved!'] });
        }
      });
    }
  }
});
