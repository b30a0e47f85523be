import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { MemoryStore, session } from '@fastmmap/express';
import { createSessionManager, type SessionManager } from '@fastmmap/session-core';
import express, { type Request, type Response } from 'express';
import { describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

// socket.io's pattern: `socket.request.session.save()` long after the handshake's response
// went out. Such a save can send no cookie, so it must not count a cookie refresh as sent.
const secret = 'express-late-save-secret-0123456789abcdef';
type Data = Record<string, unknown>;

/**
 * An app with /login (stores a user), /handshake (keeps its request, as socket.io keeps
 * socket.request) and / (the data). Returns the logged-in cookie and the handshake's request.
 */
async function handshakeApp(middleware: ReturnType<typeof session>) {
  const app = express();
  app.use(middleware);
  let kept: express.Request | undefined;
  app.get('/login', (req, res) => {
    (req.session.data as Data).user = 'ann';
    res.send('in');
  });
  app.get('/handshake', (req, res) => {
    kept = req;
    res.send('sent');
  });
  app.get('/', (req, res) => res.json(req.session.data));
  const server = app.listen(0, '127.0.0.1');
  const url = await listen(server);
  const login = await fetch(`${url}/login`);
  const cookie = String(login.headers.getSetCookie()[0]).split(';', 1)[0] ?? '';
  await fetch(`${url}/handshake`, { headers: { cookie } });
  if (kept === undefined) throw new Error('no handshake');
  return { url, cookie, handshake: kept, close: () => closeServer(server) };
}

describe('req.session.save() after the response has its cookies', () => {
  it('writes the change and leaves a due cookie refresh to the next response', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const store = new MemoryStore({ clock });
    const { url, cookie, handshake, close } = await handshakeApp(
      session({ secret, store, clock, ttl: 60_000, touchAfter: 1_000 }),
    );
    try {
      now += 1_500; // a touch and the cookie's refresh fall due
      (handshake.session.data as Data).socket = 'open';
      await handshake.session.save();
      now += 10;
      const next = await fetch(`${url}/`, { headers: { cookie } });
      expect(await next.json()).toEqual({ user: 'ann', socket: 'open' });
      const refreshed = next.headers.getSetCookie();
      expect(refreshed).toHaveLength(1);
      expect(refreshed[0]).toMatch(/^fmsid=.*Max-Age=60/);
    } finally {
      await close();
    }
  });
});

describe("req.session.save() for a WebSocket (ws's 'upgrade' by hand, express-ws)", () => {
  it('writes the change and leaves a due cookie refresh to the next response', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const middleware = session({
      secret,
      store: new MemoryStore({ clock }),
      clock,
      ttl: 60_000,
      touchAfter: 1_000,
    });
    const run = (headers: Record<string, string>, res: object = {}) => {
      const req = new IncomingMessage(new Socket());
      req.headers = headers;
      return new Promise<Request>((resolve, reject) =>
        middleware(req as Request, res as Response, (err?: unknown) =>
          err === undefined ? resolve(req as Request) : reject(err),
        ),
      );
    };
    const httpCookies = async (cookie?: string) => {
      const req = new IncomingMessage(new Socket());
      const res = new ServerResponse(req);
      const loaded = await run(cookie === undefined ? {} : { cookie }, res);
      if (cookie === undefined) (loaded.session.data as Data).user = 'ann';
      res.end();
      await new Promise((resolve) => setImmediate(resolve));
      return { cookies: [res.getHeader('set-cookie') ?? []].flat().map(String), loaded };
    };
    const cookie = (await httpCookies()).cookies[0]?.split(';', 1)[0] ?? '';
    const upgrade = await run({ cookie, connection: 'Upgrade', upgrade: 'websocket' });
    now += 1_500; // a touch and the cookie's refresh fall due while the socket is open
    (upgrade.session.data as Data).socket = 'open';
    await upgrade.session.save();
    now += 10;
    const { cookies, loaded } = await httpCookies(cookie);
    expect(loaded.session.data).toEqual({ user: 'ann', socket: 'open' });
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^fmsid=.*Max-Age=60/);
  });
});

// A `manager` that wraps the sessions it loads (instrumentation), or one from a second copy of
// session-core: its sessions cannot be marked cookieless, and a late save() must still commit.
function wrappingManager(inner: SessionManager): SessionManager {
  const own = (target: object, name: string | symbol) => {
    const value = Reflect.get(target, name, target);
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const wrap = (loaded: object) => new Proxy(loaded, { get: own });
  return new Proxy(inner, {
    get(target, name) {
      if (name !== 'loadNow') return own(target, name);
      return (...args: Parameters<SessionManager['loadNow']>) => {
        const loaded = target.loadNow(...args);
        return loaded instanceof Promise ? loaded.then(wrap) : wrap(loaded);
      };
    },
  });
}

describe('req.session.save() after the response, with a wrapping manager', () => {
  it('commits the change', async () => {
    const manager = createSessionManager({ secret, store: new MemoryStore() });
    const { cookie, handshake, close } = await handshakeApp(
      session({ manager: wrappingManager(manager) }),
    );
    try {
      (handshake.session.data as Data).socket = 'open';
      await handshake.session.save();
      expect((await manager.load(cookie)).data).toEqual({ user: 'ann', socket: 'open' });
    } finally {
      await close();
      await manager.close();
    }
  });
});

describe('maxAge set after the headers went out, then req.session.save() before end()', () => {
  it('still warns that the browser keeps the old cookie', async () => {
    const app = express();
    app.use(session({ secret, store: new MemoryStore() }));
    app.get('/login', (req, res) => {
      (req.session.data as Data).user = 'ann';
      res.send('in');
    });
    app.get('/remember-me-late', async (req, res) => {
      res.write('chunk ');
      req.session.maxAge = 30 * 86_400_000;
      await req.session.save();
      res.end('done');
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'ERR_SESSION_HEADERS_SENT') warnings.push(warning.message);
    };
    const server = app.listen(0, '127.0.0.1');
    const url = await listen(server);
    process.on('warning', onWarning);
    try {
      const login = await fetch(`${url}/login`);
      const cookie = String(login.headers.getSetCookie()[0]).split(';', 1)[0] ?? '';
      await (await fetch(`${url}/remember-me-late`, { headers: { cookie } })).text();
      await new Promise((resolve) => setTimeout(resolve, 10)); // warnings come on a later tick
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/'fmsid' could not be sent: .*the session was stored/);
    } finally {
      process.off('warning', onWarning);
      await closeServer(server);
    }
  });
});
