import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';

// koa-websocket runs `app.ws` middleware once per WebSocket, after the upgrade, on
// `app.createContext(req)`: a ctx with no response. These tests build that ctx the same way.
const secret = 'koa-no-response-test-secret-0123456789abcdef';
type Data = Record<string, unknown>;

function request(cookie?: string, upgrade?: string): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = cookie === undefined ? {} : { cookie };
  if (upgrade !== undefined) Object.assign(req.headers, { connection: 'Upgrade', upgrade });
  return req;
}

/**
 * koa-easy-ws: the handshake's ctx has a response. Once ctx.ws() upgrades (and sets
 * `ctx.respond = false`) it never goes out with its headers; a refused handshake's does.
 */
function handshake(app: Koa, cookie?: string, upgraded = true) {
  const req = request(cookie, 'websocket');
  const ctx = app.createContext(req, new ServerResponse(req));
  if (upgraded) ctx.respond = false;
  return ctx;
}

async function setup() {
  const store = new MemoryStore();
  const app = new Koa();
  const errors: unknown[] = [];
  app.on('error', (err) => errors.push(err));
  const middleware = session({ secret, store });
  // A login over HTTP, for the cookie the WebSocket comes with.
  const login = app.createContext(request(), new ServerResponse(request()));
  await middleware(login, async () => {
    (login.session.data as Data).user = 'ann';
  });
  const cookie = String(login.response.get('Set-Cookie')).split(';', 1)[0]!;
  const socketContext = (withCookie: boolean) =>
    app.createContext(request(withCookie ? cookie : undefined), undefined as never);
  return { store, errors, middleware, cookie, socketContext };
}

/**
 * An HTTP request through `middleware` (a login without `cookie`): the Set-Cookie values its
 * response carries.
 */
async function httpRequest(app: Koa, middleware: ReturnType<typeof session>, cookie?: string) {
  const req = request(cookie);
  const ctx = app.createContext(req, new ServerResponse(req));
  await middleware(ctx, async () => {
    if (cookie === undefined) (ctx.session.data as Data).user = 'ann';
  });
  const value: unknown = ctx.response.get('Set-Cookie');
  return [value].flat().filter((v): v is string => typeof v === 'string' && v !== '');
}

describe("session() on koa-websocket's contexts, which have no response", () => {
  it('commits what the WebSocket middleware changed in a known session', async () => {
    const { errors, middleware, socketContext } = await setup();
    const ctx = socketContext(true);
    await middleware(ctx, async () => {
      expect((ctx.session.data as Data).user).toBe('ann');
      (ctx.session.data as Data).socket = 'open';
    });
    expect(errors).toEqual([]);
    const next = socketContext(true);
    await middleware(next, async () => {
      expect(next.session.data).toEqual({ user: 'ann', socket: 'open' });
    });
  });

  it('does not store a new session whose cookie has nowhere to go', async () => {
    const { store, errors, middleware, socketContext } = await setup();
    const before = store.size;
    const ctx = socketContext(false);
    await middleware(ctx, async () => {
      (ctx.session.data as Data).visitor = true;
    });
    expect(store.size).toBe(before);
    expect(errors).toEqual([]);
  });
});

describe("session() on a WebSocket handshake's context (koa-easy-ws)", () => {
  it('commits a known session, and stores no new one, with no cookie', async () => {
    const { store, errors, middleware, cookie } = await setup();
    const app = new Koa();
    const known = handshake(app, cookie);
    await middleware(known, async () => {
      (known.session.data as Data).socket = 'open';
    });
    const fresh = handshake(app);
    const before = store.size;
    await middleware(fresh, async () => {
      (fresh.session.data as Data).visitor = true;
    });
    expect(store.size).toBe(before);
    expect([known, fresh].map((ctx) => ctx.response.get('Set-Cookie') || 'none')).toEqual([
      'none',
      'none',
    ]);
    const next = handshake(app, cookie);
    await middleware(next, async () => {
      expect(next.session.data).toEqual({ user: 'ann', socket: 'open' });
    });
    expect(errors).toEqual([]);
  });

  it('sends the cookie with a refused handshake, an ordinary response', async () => {
    const { store, errors, middleware } = await setup();
    const refused = handshake(new Koa(), undefined, false);
    const before = store.size;
    await middleware(refused, async () => {
      refused.session.flash('error', 'log in first');
      refused.status = 401;
    });
    expect(store.size).toBe(before + 1);
    expect(String(refused.response.get('Set-Cookie'))).toMatch(/^fmsid=/);
    expect(errors).toEqual([]);
  });
});

describe.each([
  [
    'with no response (koa-websocket)',
    (app: Koa, cookie: string) => app.createContext(request(cookie), undefined as never),
  ],
  ['of a WebSocket handshake (koa-easy-ws)', handshake],
])('a cookie refresh that falls due on a context %s', (_name, socketContext) => {
  it('is sent by the next response that can carry it', async () => {
    let now = 1_000_000;
    const app = new Koa();
    const middleware = session({
      secret,
      store: new MemoryStore({ clock: () => now }),
      clock: () => now,
      ttl: 60_000,
      touchAfter: 1_000,
    });
    const http = (cookie?: string) => httpRequest(app, middleware, cookie);
    const cookie = (await http())[0]!.split(';', 1)[0]!;
    now += 1_500; // a touch and the cookie's refresh are due when the socket comes
    await middleware(socketContext(app, cookie), async () => {});
    now += 10;
    const refreshed = await http(cookie);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatch(/^fmsid=.*Max-Age=60/);
  });

  it('a maxAge a save() stored there is sent by the next response', async () => {
    const month = 30 * 86_400_000;
    const app = new Koa();
    const middleware = session({ secret, store: new MemoryStore() });
    const http = (cookie?: string) => httpRequest(app, middleware, cookie);
    const cookie = (await http())[0]!.split(';', 1)[0]!;
    const socket = socketContext(app, cookie);
    await middleware(socket, async () => {
      socket.session.maxAge = month;
      // Planned a cookie that nothing this request answers can carry.
      await socket.session.save();
    });
    expect(await http(cookie)).toEqual([expect.stringMatching(/^fmsid=.*Max-Age=2592000/)]);
    expect(await http(cookie)).toEqual([]);
  });
});
