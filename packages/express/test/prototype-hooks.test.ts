import { createServer, type IncomingMessage, type Server, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { session } from '@fastmmap/express';
import { MemoryStore, type StoredData } from '@fastmmap/session-core';
import express5, { type Request } from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

// session() installs req.session, res.end and res.writeHead once on the app's prototypes
// (see src/prototype-hooks.ts). These tests pin down where they apply and where they must not.
const secret = 'express-prototype-hooks-test-secret-0123456789';
type Data = Record<string, unknown>;

/** A MemoryStore whose writes are slow and logged: a response must wait for the write. */
class SlowStore extends MemoryStore {
  readonly log: string[] = [];
  override async getAndSet(
    id: string,
    fn: (current: StoredData | undefined) => StoredData | undefined,
    ttlMs: number,
  ): Promise<StoredData | undefined> {
    await delay(30);
    const result = await super.getAndSet(id, fn, ttlMs);
    this.log.push('committed');
    return result;
  }
}

/** A SlowStore whose reads are logged too. */
class LoggedStore extends SlowStore {
  override async get(id: string): Promise<StoredData | undefined> {
    this.log.push('get');
    return super.get(id);
  }
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

function sessionCookie(res: Response): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith('fmsid='))
    ?.split(';')[0];
}

const data = (req: Request) => req.session.data as Data;

for (const [major, express] of [
  ['express 5', express5],
  ['express 4', express4],
] as const) {
  describe(`session() prototype hooks on ${major}`, () => {
    it('leave other apps, the shared Express prototypes and Node untouched', async () => {
      const withSession = express();
      withSession.use(session({ secret, store: new SlowStore() }));
      withSession.get('/x', (req, res) => {
        data(req).x = 1;
        res.json({ ok: true });
      });
      const plain = express();
      const seen: unknown[] = [];
      plain.get('/y', (req, res) => {
        seen.push('session' in req, (req as { session?: unknown }).session);
        seen.push(res.end === ServerResponse.prototype.end);
        res.json({ ok: true });
      });
      const a = await serve(withSession);
      const b = await serve(plain);
      expect(sessionCookie(await fetch(`${a}/x`))).toBeDefined();
      const res = await fetch(`${b}/y`);
      expect(res.status).toBe(200);
      expect(seen).toEqual([false, undefined, true]);
      expect(Object.hasOwn(plain.request, 'session')).toBe(false);
      expect(Object.hasOwn(plain.response, 'end')).toBe(false);
      expect(Object.hasOwn(Object.getPrototypeOf(withSession.request), 'session')).toBe(false);
      expect(Object.hasOwn(Object.getPrototypeOf(withSession.response), 'end')).toBe(false);
      expect(Object.hasOwn(ServerResponse.prototype, 'session')).toBe(false);
    });

    it('a request of the app that skips the middleware has no session and ends as usual', async () => {
      const store = new SlowStore();
      const app = express();
      app.use('/s', session({ secret, store }));
      app.get('/s/x', (req, res) => {
        data(req).x = 1;
        res.json({ ok: true });
      });
      app.get('/open', (req, res) => {
        res.json({ session: (req as { session?: unknown }).session ?? null });
      });
      const url = await serve(app);
      expect(sessionCookie(await fetch(`${url}/s/x`))).toBeDefined();
      const open = await fetch(`${url}/open`);
      expect(await open.json()).toEqual({ session: null });
      expect(open.headers.getSetCookie()).toEqual([]);
      expect(store.log).toEqual(['committed']);
    });

    it('req.session assigned on a route that skips the middleware reads back, as a plain property', async () => {
      const app = express();
      app.use('/s', session({ secret, store: new SlowStore() }));
      app.get('/x', (req, res) => {
        (req as { session: unknown }).session = { replaced: true };
        res.json({ replaced: (req as { session: unknown }).session });
      });
      const url = await serve(app);
      const [one, two] = await Promise.all([fetch(`${url}/x`), fetch(`${url}/x`)]);
      for (const res of [one!, two!]) {
        expect(await res.json()).toEqual({ replaced: { replaced: true } });
        expect(res.headers.getSetCookie()).toEqual([]);
      }
    });

    it('a session loaded in a mounted app is seen and committed back in the parent', async () => {
      const store = new SlowStore();
      const sub = express();
      sub.use(session({ secret, store }));
      sub.get('/sub/in', (req, res) => {
        data(req).in = true;
        res.json(req.session.data);
      });
      const app = express();
      app.use(sub);
      // Reached after the sub-app passes the request on: Express restores the parent's prototypes.
      app.get('/sub/after', (req, res) => {
        data(req).after = true;
        res.json(req.session.data);
      });
      const url = await serve(app);
      const first = await fetch(`${url}/sub/after`);
      expect(store.log).toEqual(['committed']);
      const cookie = sessionCookie(first);
      expect(cookie).toBeDefined();
      const again = await fetch(`${url}/sub/in`, { headers: { cookie: cookie! } });
      expect(await again.json()).toEqual({ after: true, in: true });
    });

    it('an app that served requests on its own still commits once mounted in another', async () => {
      const store = new SlowStore();
      const sub = express();
      sub.use(session({ secret, store }));
      sub.get('/in', (req, res) => {
        data(req).in = ((data(req).in as number | undefined) ?? 0) + 1;
        res.json(req.session.data);
      });
      const alone = await serve(sub);
      const cookie = sessionCookie(await fetch(`${alone}/in`));
      const app = express();
      app.use(sub);
      app.get('/after', (req, res) => {
        data(req).after = true;
        res.json(req.session.data);
      });
      const url = await serve(app);
      const headers = { cookie: cookie! };
      expect(await (await fetch(`${url}/in`, { headers })).json()).toEqual({ in: 2 });
      expect(await (await fetch(`${url}/after`, { headers })).json()).toEqual({
        in: 2,
        after: true,
      });
      expect(await (await fetch(`${url}/in`, { headers })).json()).toEqual({ in: 3, after: true });
      expect(store.log).toEqual(['committed', 'committed', 'committed', 'committed']);
    });

    it("a session() in a mounted app leaves the parent's session in place", async () => {
      const store = new SlowStore();
      const sub = express();
      sub.use(session({ secret, store }));
      sub.get('/in', (req, res) => {
        data(req).in = true;
        res.json({ id: req.session.id });
      });
      const app = express();
      let parentId: string | undefined;
      app.use(session({ secret, store }), (req, _res, next) => {
        parentId = req.session.id;
        next();
      });
      app.use(sub);
      const url = await serve(app);
      const res = await fetch(`${url}/in`);
      expect(await res.json()).toEqual({ id: parentId });
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(store.log).toEqual(['committed']);
    });

    it('an own req.session defined before session() is left alone', async () => {
      const store = new LoggedStore();
      const app = express();
      app.use('/own', (req, _res, next) => {
        Object.defineProperty(req, 'session', { value: { data: { mine: 1 } }, writable: true });
        next();
      });
      app.use(session({ secret, store }));
      app.get('/set', (req, res) => {
        data(req).x = 1;
        res.end();
      });
      app.get('/own', (req, res) => {
        res.json(req.session.data);
      });
      const url = await serve(app);
      const cookie = sessionCookie(await fetch(`${url}/set`));
      expect(store.log).toEqual(['committed']);
      const res = await fetch(`${url}/own`, { headers: { cookie: cookie! } });
      expect(await res.json()).toEqual({ mine: 1 });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(store.log).toEqual(['committed']); // no load, no commit
    });

    it('wraps a response whose end() another middleware already replaced', async () => {
      const store = new SlowStore();
      const app = express();
      app.use((_req, res, next) => {
        const end = res.end;
        res.end = function (this: typeof res, ...args: unknown[]) {
          store.log.push('wrapper end');
          return (end as (...a: unknown[]) => typeof res).apply(this, args);
        } as typeof res.end;
        next();
      });
      app.use(session({ secret, store }));
      app.get('/x', (req, res) => {
        data(req).x = 1;
        res.json({ ok: true });
      });
      const url = await serve(app);
      const res = await fetch(`${url}/x`);
      // Our end ran first and held the wrapper's until the commit, as without the hooks.
      expect(store.log).toEqual(['committed', 'wrapper end']);
      expect(sessionCookie(res)).toBeDefined();
    });
  });
}

describe('session() outside Express', () => {
  it('falls back to own properties on plain Node requests and responses', async () => {
    const store = new SlowStore();
    const middleware = session({ secret, store });
    const url = await serve((req: IncomingMessage, res: ServerResponse) => {
      middleware(req as Request, res as never, (err?: unknown) => {
        if (err) throw err;
        const r = req as Request;
        data(r).plain = true;
        res.end(JSON.stringify({ own: Object.hasOwn(req, 'session') }));
      });
    });
    const res = await fetch(url);
    expect(store.log).toEqual(['committed']);
    expect(await res.json()).toEqual({ own: true });
    expect(sessionCookie(res)).toBeDefined();
  });

  it('on plain Node too, req.session = null logs out and other values are refused', async () => {
    const middleware = session({ secret, store: new MemoryStore() });
    const url = await serve((req: IncomingMessage, res: ServerResponse) => {
      middleware(req as Request, res as never, (err?: unknown) => {
        if (err) throw err;
        const r = req as Request;
        if (req.url === '/login') data(r).user = 'ann';
        let refused: unknown;
        if (req.url === '/logout') {
          try {
            (r as { session: unknown }).session = { user: 'bob' };
          } catch (e) {
            refused = (e as { code?: string }).code;
          }
          r.session = null;
        }
        res.end(JSON.stringify({ data: r.session.data, refused }));
      });
    });
    const cookie = sessionCookie(await fetch(`${url}/login`));
    const out = await fetch(`${url}/logout`, { headers: { cookie: cookie! } });
    expect(await out.json()).toEqual({
      data: { user: 'ann' },
      refused: 'ERR_SESSION_UNSUPPORTED_DATA',
    });
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/^fmsid=; Max-Age=0/)]);
    const me = await fetch(`${url}/me`, { headers: { cookie: cookie! } });
    expect(await me.json()).toEqual({ data: {} });
  });
});
