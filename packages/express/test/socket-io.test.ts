// The README's socket.io recipe against real socket.io and engine.io, over HTTP on 127.0.0.1:
// `io.engine.use(sessions)` and `socket.request.session`, as a user copies it. The other
// engine.io tests (plain-node-requests, late-save) use a double of engine.io's objects.

import { randomBytes } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { type ExpressSession, session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import express from 'express';
import { Server, type ServerOptions } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listen } from './helpers/http-server.js';

// The README's typing of `socket.request.session`.
declare module 'node:http' {
  interface IncomingMessage {
    get session(): ExpressSession;
    set session(value: null | undefined);
  }
}

// A broken integration leaves an event unanswered: each emit gives up after a second or two,
// and a test at 20 s, not the 60 s default. Not 5 s: a 2-worker cluster's test took longer than
// that on a loaded 2-core machine (the full suite beside other work).
vi.setConfig({ testTimeout: 20_000 });

const secret = 'express-socket-io-test-secret-0123456789abcdef';
type Data = Record<string, unknown>; // SessionData merged here would reach every test file
type Transports = ('polling' | 'websocket')[];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The README's server, with /login, /logout and /me over HTTP. `guarded`: the session for the
 * handshake only, and visitors who are not logged in refused, as the socket.io guide shows.
 */
async function build({ guarded = false, rolling = false, allowRequest = undefined as Gate } = {}) {
  const store = new MemoryStore();
  const sessions = session({ secret, store, rolling });
  const app = express();
  app.use(sessions);
  app.post('/login', (req, res) => {
    (req.session.data as Data).user = 'ann';
    res.end();
  });
  app.post('/relogin', async (req, res) => {
    await req.session.regenerate(); // a login's fixation defence: the old id is dead
    (req.session.data as Data).user = 'bob';
    res.end();
  });
  app.post('/logout', async (req, res) => {
    await req.session.destroy();
    res.end();
  });
  app.get('/me', (req, res) => {
    res.json(req.session.data);
  });
  const server = createServer(app);
  // Every Set-Cookie a socket.io client is sent: on polling responses and on 101s.
  const cookiesSent: string[] = [];
  server.prependListener('request', (req, res) => {
    if (!req.url?.startsWith('/socket.io/')) return;
    res.once('finish', () => cookiesSent.push(...setCookies(res.getHeader('set-cookie'))));
  });
  const io = new Server(server, allowRequest === undefined ? {} : { allowRequest });
  io.engine.on('headers', (headers: Record<string, unknown>) => {
    cookiesSent.push(...setCookies(headers['set-cookie']));
  });
  if (guarded) {
    io.engine.use(onlyForHandshake(sessions as unknown as EngineMiddleware));
    io.engine.use(
      onlyForHandshake((req, res, next) => {
        if ((req.session.data as Data).user !== undefined) return next();
        res.writeHead(401);
        res.end();
      }),
    );
  } else io.engine.use(sessions);
  io.on('connection', (socket) => {
    const { session } = socket.request;
    socket.on('mark', async (value, ack) => {
      try {
        await session.reload(); // what HTTP requests stored since the handshake
        (session.data as Data).mark = value;
        await session.save(); // nothing commits a socket's changes for it
      } catch {
        // Logged out, or the store failed: an uncaught rejection would end the process.
        return socket.disconnect(true);
      }
      ack((session.data as Data).user);
    });
    // Not in the README: what the handshake loaded, and a save() with no reload() first.
    socket.on('whoami', (ack) => ack(session.data));
    socket.on('save', async (value, ack) => {
      (session.data as Data).mark = value;
      await session.save();
      ack();
    });
  });
  server.listen(0, '127.0.0.1');
  const url = await listen(server);
  cleanups.push(async () => {
    await io.close(); // closes the HTTP server too
    await sessions.close();
  });
  return { url, store, cookiesSent };
}

type Gate = ServerOptions['allowRequest'];

type EngineMiddleware = (
  req: IncomingMessage & { _query: Record<string, string> },
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** The socket.io guide's: runs `middleware` for engine.io's handshake request only. */
function onlyForHandshake(middleware: EngineMiddleware): EngineMiddleware {
  return (req, res, next) => {
    if (req._query.sid === undefined) middleware(req, res, next);
    else next();
  };
}

function setCookies(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/login`, { method: 'POST' });
  return res.headers.getSetCookie()[0]!.split(';', 1)[0]!;
}

async function me(url: string, cookie: string): Promise<unknown> {
  return (await fetch(`${url}/me`, { headers: { cookie } })).json();
}

/** A socket.io client, connected and (with polling first) upgraded to WebSocket. */
async function client(url: string, transports: Transports, cookie?: string) {
  const socket = connect(url, {
    transports,
    reconnection: false,
    ...(cookie === undefined ? {} : { extraHeaders: { cookie } }),
  });
  cleanups.push(() => {
    socket.close();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve).once('connect_error', reject);
  });
  const engine = socket.io.engine;
  if (engine.transport.name !== 'websocket') {
    await new Promise((resolve) => engine.once('upgrade', resolve));
  }
  expect(engine.transport.name).toBe('websocket');
  return socket;
}

/** An event's answer: a server that does not answer fails the test within the second. */
const ask = (socket: ClientSocket, event: string, ...args: unknown[]) =>
  socket.timeout(1_000).emitWithAck(event, ...args);

/** Resolves with the reason the server gave when it disconnects the socket. */
const disconnected = (socket: ClientSocket) =>
  new Promise<string>((resolve) => socket.once('disconnect', resolve));

/** The response headers of a bare WebSocket handshake on engine.io's path. */
function upgradeHeaders(url: string, cookie?: string): Promise<IncomingHttpHeaders> {
  const headers: Record<string, string> = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': randomBytes(16).toString('base64'),
  };
  if (cookie !== undefined) headers.cookie = cookie;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/socket.io/?EIO=4&transport=websocket`, { headers });
    req.once('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.headers);
    });
    req.once('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.once('error', reject).end();
  });
}

const transportCases: [string, Transports][] = [
  ['polling, then WebSocket', ['polling', 'websocket']],
  ['WebSocket only', ['websocket']],
];

describe.each(transportCases)('socket.io over %s', (_name, transports) => {
  it("gives a logged-in visitor's socket the session, and its save() reaches HTTP", async () => {
    const { url, cookiesSent } = await build();
    const cookie = await login(url);
    const socket = await client(url, transports, cookie);
    expect(await ask(socket, 'whoami')).toEqual({ user: 'ann' });
    expect(await ask(socket, 'mark', 'seen')).toBe('ann');
    expect(await me(url, cookie)).toEqual({ user: 'ann', mark: 'seen' });
    // The socket's reload() reads what HTTP stored since the handshake.
    await fetch(`${url}/login`, { method: 'POST', headers: { cookie } });
    expect(await ask(socket, 'mark', 'again')).toBe('ann');
    expect(await me(url, cookie)).toEqual({ user: 'ann', mark: 'again' });
    // A known session: no cookie went to the socket.io client on any response.
    expect(cookiesSent).toEqual([]);
  });

  it('stores nothing for a new visitor, and no cookie reaches it', async () => {
    const { url, store, cookiesSent } = await build();
    const socket = await client(url, transports);
    expect(await ask(socket, 'whoami')).toEqual({});
    expect(store.size).toBe(0);
    // The README's handler: reload() fails for a session never stored, the socket is dropped.
    const reason = disconnected(socket);
    socket.emit('mark', 'seen');
    expect(await reason).toBe('io server disconnect');
    expect(store.size).toBe(0);
    expect(cookiesSent).toEqual([]);
  });

  it("stores a new visitor's session that a socket saves, with no cookie for it", async () => {
    const { url, store, cookiesSent } = await build();
    const socket = await client(url, transports);
    await ask(socket, 'save', 'seen');
    expect(store.size).toBe(1);
    expect(cookiesSent).toEqual([]);
  });

  it('drops the socket of a session destroyed over HTTP, and stores nothing again', async () => {
    const { url, store } = await build();
    const cookie = await login(url);
    const socket = await client(url, transports, cookie);
    await fetch(`${url}/logout`, { method: 'POST', headers: { cookie } });
    expect(await me(url, cookie)).toEqual({});
    const records = store.size; // destroy() leaves a tombstone
    // Until it reloads, the socket's session is the handshake's.
    expect(await ask(socket, 'whoami')).toEqual({ user: 'ann' });
    const reason = disconnected(socket);
    socket.emit('mark', 'seen');
    expect(await reason).toBe('io server disconnect');
    expect(store.size).toBe(records);
    expect(await me(url, cookie)).toEqual({});
  });

  it("runs the session for the handshake only, and refuses a visitor who isn't logged in", async () => {
    const { url, store } = await build({ guarded: true });
    const cookie = await login(url);
    const socket = await client(url, transports, cookie);
    expect(await ask(socket, 'whoami')).toEqual({ user: 'ann' });
    expect(await ask(socket, 'mark', 'seen')).toBe('ann');
    expect(await me(url, cookie)).toEqual({ user: 'ann', mark: 'seen' });
    await expect(client(url, transports)).rejects.toThrow(/xhr poll error|websocket error/);
    expect(store.size).toBe(1);
  });

  it('lets the client disconnect and the server close', async () => {
    const { url } = await build();
    const cookie = await login(url);
    const socket = await client(url, transports, cookie);
    const reason = disconnected(socket);
    socket.disconnect();
    expect(await reason).toBe('io client disconnect');
    await client(url, transports, cookie); // left open: afterEach closes the server under it
  });
});

describe("socket.io's handshake responses", () => {
  it('carry no cookie for a new visitor (saveUninitialized is false)', async () => {
    const { url, store } = await build();
    const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(polling.status).toBe(200);
    expect(polling.headers.getSetCookie()).toEqual([]);
    expect((await upgradeHeaders(url))['set-cookie']).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it("refresh no known session's cookie before it falls due", async () => {
    const { url } = await build();
    const cookie = await login(url);
    const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
      headers: { cookie },
    });
    expect(polling.headers.getSetCookie()).toEqual([]);
    expect((await upgradeHeaders(url, cookie))['set-cookie']).toBeUndefined();
  });
});

describe("a WebSocket handshake's 101", () => {
  it('sends no refresh of an id a login killed while the upgrade waited', async () => {
    // engine.io's allowRequest runs after the middleware and may wait (a lookup, a rate limit).
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const allowRequest: Gate = (_req, callback) => void opened.then(() => callback(null, true));
    const { url } = await build({ rolling: true, allowRequest });
    const old = await login(url);
    const upgrade = upgradeHeaders(url, old);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the upgrade's session is loaded
    const relogin = await fetch(`${url}/relogin`, { method: 'POST', headers: { cookie: old } });
    const current = relogin.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    expect(current).not.toBe(old);
    open();
    // The browser would take this cookie after the login's: it held the dead id then.
    expect((await upgrade)['set-cookie']).toBeUndefined();
    expect(await me(url, current)).toEqual({ user: 'bob' });
  });
});
