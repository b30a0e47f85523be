import { request as httpRequest, type Server } from 'node:http';
import { MemoryStore } from '@fastmmap/session-core';
import express5, { type Request, type Response } from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
// From the build the package exports, so that the Map inspected here is the one the
// middleware uses (and only the build's req.session typing is in the program).
import { inFlightCount, sweep } from '../dist/holders.js';
import { session } from '../dist/index.js';
import { closeServer, listen } from './helpers/http-server.js';

// Each request's session state is kept in a Map while its response is in flight, then in
// res.locals (see src/holders.ts). These tests pin down what that must not change.
const secret = 'express-holders-test-secret-0123456789abcdef';
type Data = Record<string, unknown>;
const data = (req: Request) => req.session.data as Data;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function serve(app: { listen: express5.Express['listen'] }): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

const cookieOf = (res: globalThis.Response) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('fmsid='))
    ?.split(';')[0];

for (const [major, express] of [
  ['express 5', express5],
  ['express 4', express4],
] as const)
  describe(`where session() keeps a request’s state on ${major}`, () => {
    it('req.session still reads after the response ended: in a finish listener and later', async () => {
      const app = express();
      app.use(session({ secret, store: new MemoryStore() }));
      const seen: unknown[] = [];
      app.get('/x', (req, res) => {
        data(req).user = 'ada';
        res.on('finish', () => {
          seen.push(data(req).user, req.sessionID === req.session.id);
          setImmediate(() => seen.push(data(req).user));
        });
        res.json({ ok: true });
        seen.push(data(req).user);
      });
      const url = await serve(app);
      expect(cookieOf(await fetch(`${url}/x`))).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual(['ada', 'ada', true, 'ada']);
      // Nothing of it is left in the Map, nor visible to templates through res.locals.
      expect(inFlightCount()).toBe(0);
    });

    it('commits a request whose handler replaced res.locals', async () => {
      const app = express();
      app.use(session({ secret, store: new MemoryStore() }));
      app.get('/x', (req, res: Response) => {
        res.locals = { title: 'replaced' };
        data(req).n = ((data(req).n as number | undefined) ?? 0) + 1;
        res.json({ n: data(req).n, locals: Object.keys(res.locals) });
      });
      const url = await serve(app);
      const first = await fetch(`${url}/x`);
      expect(await first.json()).toEqual({ n: 1, locals: ['title'] });
      const cookie = cookieOf(first);
      expect(cookie).toBeDefined();
      const second = await fetch(`${url}/x`, { headers: { cookie: cookie! } });
      expect(await second.json()).toEqual({ n: 2, locals: ['title'] });
    });

    it('lets go of requests whose client left before any answer', async () => {
      const app = express();
      app.use(session({ secret, store: new MemoryStore() }));
      const arrived: Request[] = [];
      // Never answers: the client gives up.
      app.get('/hang', (req) => {
        arrived.push(req);
      });
      app.get('/x', (_req, res) => {
        res.json({ ok: true });
      });
      const url = await serve(app);
      const { port } = new URL(url);
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/hang' });
          req.on('error', () => resolve());
          req.end();
          const poll = setInterval(() => {
            if (arrived.length > i) {
              clearInterval(poll);
              req.destroy();
            }
          }, 5);
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(inFlightCount()).toBe(3);
      // Sweeps run as requests arrive: 256 more are enough for one.
      for (let i = 0; i < 256; i++) await (await fetch(`${url}/x`)).arrayBuffer();
      expect(inFlightCount()).toBe(0);
      // Their sessions are still there for code that holds the request.
      expect(arrived.every((req) => typeof req.session.id === 'string')).toBe(true);
    });

    it('keeps requests still in flight through a sweep', async () => {
      const app = express();
      app.use(session({ secret, store: new MemoryStore() }));
      let release: (() => void) | undefined;
      app.get('/slow', async (req, res) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        data(req).slow = true;
        res.json(req.session.data);
      });
      const url = await serve(app);
      const slow = fetch(`${url}/slow`);
      while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      sweep();
      expect(inFlightCount()).toBe(1);
      release();
      const res = await slow;
      expect(await res.json()).toEqual({ slow: true });
      expect(cookieOf(res)).toBeDefined();
      expect(inFlightCount()).toBe(0);
    });
  });
