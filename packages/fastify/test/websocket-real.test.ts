// The README's @fastify/websocket recipe as a user copies it, against real @fastify/websocket
// and ws over HTTP on 127.0.0.1. websocket-handshake.test.ts sends the handshake's headers
// through inject() instead.

import websocket from '@fastify/websocket';
import {
  closedSocket,
  cookiePairs,
  FlakyStore,
  type Handshake,
  openWebSocket,
} from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import { commitWithoutCookie } from '@fastmmap/session-core';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';

// A broken integration leaves a socket or a poll waiting: fail fast, not at the 60 s default.
vi.setConfig({ testTimeout: 4_000 });

const secret = 'fastify-websocket-real-test-secret-0123456789abcdef';
type Data = Record<string, unknown>; // SessionData merged here would reach every test file

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The README's app on /chat; /guarded refuses in preHandler as its notes say; /login,
 * /rename, /logout and /me over HTTP.
 */
async function build(clock = Date.now) {
  const store = new FlakyStore({ clock }); // a MemoryStore whose outage a test switches on
  const app = Fastify();
  await app.register(websocket);
  await app.register(fastifySession, { secret, store, clock, ttl: 60_000, touchAfter: 1_000 });
  app.get('/chat', { websocket: true }, (socket, request) => {
    if ((request.session.data as Data).user === undefined) {
      return socket.close(1008, 'log in first');
    }
    socket.on('message', async (message) => {
      try {
        const session = await app.sessionManager.load(request.headers.cookie);
        if ((session.data as Data).user === undefined) return socket.close(1008, 'logged out');
        (session.data as Data).lastMessage = String(message);
        await commitWithoutCookie(session); // commit() would count an unsendable cookie as sent
      } catch {
        socket.close(1011, 'session unavailable'); // a rejection here would end the process
      }
    });
  });
  const refuseVisitors = async (
    request: { session: { data: object } },
    reply: { code(status: number): { send(body: string): unknown } },
  ) => {
    if ((request.session.data as Data).user !== undefined) return;
    (request.session.data as Data).returnTo = '/guarded';
    return reply.code(401).send('log in');
  };
  app.get('/guarded', { websocket: true, preHandler: refuseVisitors }, (socket) => {
    socket.close(1000, 'admitted');
  });
  app.get('/login', async (request) => {
    (request.session.data as Data).user = 'ann';
    return request.session.data;
  });
  app.get('/rename', async (request) => {
    (request.session.data as Data).user = 'bob';
    return request.session.data;
  });
  app.get('/logout', async (request) => {
    const data = { ...request.session.data };
    await request.session.destroy();
    return data;
  });
  app.get('/me', async (request) => request.session.data);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close()); // also closes the open sockets
  cleanups.push(close);
  const base = `127.0.0.1:${port}`;
  return { http: `http://${base}`, ws: `ws://${base}`, store, app, close };
}

async function get(url: string, cookie?: string) {
  const res = await fetch(url, cookie === undefined ? {} : { headers: { cookie } });
  return { data: (await res.json()) as Data, cookies: res.headers.getSetCookie() };
}

async function login(http: string): Promise<string> {
  const { cookies } = await get(`${http}/login`);
  return cookies[0]!.split(';', 1)[0]!;
}

async function open(url: string, cookie?: string): Promise<Handshake> {
  const handshake = await openWebSocket(url, cookie);
  const { socket } = handshake;
  if (socket !== undefined) cleanups.push(() => socket.terminate());
  return handshake;
}

describe('the README @fastify/websocket recipe', () => {
  it("lets a logged-in visitor's socket save to the session HTTP sees, with no cookie", async () => {
    const { http, ws } = await build();
    const cookie = await login(http);
    const { socket, status, headers } = await open(`${ws}/chat`, cookie);
    expect(status).toBe(101);
    expect(cookiePairs(headers)).toEqual([]);
    socket!.send('hello');
    await expect
      .poll(async () => (await get(`${http}/me`, cookie)).data)
      .toEqual({
        user: 'ann',
        lastMessage: 'hello',
      });
    // Each message loads the session as stored: a change made over HTTP since is kept.
    await get(`${http}/rename`, cookie);
    socket!.send('again');
    await expect
      .poll(async () => (await get(`${http}/me`, cookie)).data)
      .toEqual({
        user: 'bob',
        lastMessage: 'again',
      });
  });

  it("closes a new visitor's socket with 1008, storing nothing and sending no cookie", async () => {
    const { ws, store } = await build();
    const { socket, status, headers } = await open(`${ws}/chat`);
    expect(status).toBe(101);
    expect(cookiePairs(headers)).toEqual([]);
    expect(await closedSocket(socket!)).toEqual({ code: 1008, reason: 'log in first' });
    expect(store.size).toBe(0);
  });

  it('leaves a cookie refresh that fell due to the next HTTP response, not the socket', async () => {
    let now = Date.now();
    const { http, ws, app } = await build(() => now);
    const cookie = await login(http);
    now += 1_500; // past touchAfter
    const { socket, headers } = await open(`${ws}/chat`, cookie);
    expect(cookiePairs(headers)).toEqual([]);
    socket!.send('hello');
    // Read as stored, with no response that could carry (and so spend) the refresh.
    const stored = async () => ((await app.sessionManager.load(cookie)).data as Data).lastMessage;
    await expect.poll(stored).toBe('hello');
    expect((await get(`${http}/me`, cookie)).cookies).toEqual([
      expect.stringMatching(/^fmsid=.*Max-Age=60/),
    ]);
  });

  it('closes the socket on its next message after a logout over HTTP', async () => {
    const { http, ws, store } = await build();
    const cookie = await login(http);
    const { socket } = await open(`${ws}/chat`, cookie);
    expect((await get(`${http}/logout`, cookie)).data).toEqual({ user: 'ann' });
    const records = store.size; // destroy() may leave a tombstone
    const closed = closedSocket(socket!);
    socket!.send('hello');
    expect(await closed).toEqual({ code: 1008, reason: 'logged out' });
    expect(store.size).toBe(records);
    expect((await get(`${http}/me`, cookie)).data).toEqual({});
  });

  it('closes the socket with 1011 when the store fails, and keeps serving', async () => {
    const { http, ws, store } = await build();
    const cookie = await login(http);
    const { socket } = await open(`${ws}/chat`, cookie);
    store.failGet = true; // a store outage (or a message too large for a page) in the handler
    const closed = closedSocket(socket!);
    socket!.send('hello');
    expect(await closed).toEqual({ code: 1011, reason: 'session unavailable' });
    store.failGet = false;
    expect((await get(`${http}/me`, cookie)).data).toEqual({ user: 'ann' });
  });

  it('lets the client close, and app.close() close a socket still open', async () => {
    const { http, ws, close } = await build();
    const cookie = await login(http);
    const first = (await open(`${ws}/chat`, cookie)).socket!;
    const closed = closedSocket(first);
    first.close(1000, 'bye');
    expect(await closed).toEqual({ code: 1000, reason: 'bye' });
    const second = (await open(`${ws}/chat`, cookie)).socket!;
    const dropped = closedSocket(second);
    await close();
    expect((await dropped).code).toBe(1005); // the plugin's preClose: close() with no code
  });
});

describe('a handshake refused in preHandler (the README notes)', () => {
  it("sends a new visitor's cookie on the 401, so retries reuse one session", async () => {
    const { ws, store } = await build();
    const first = await open(`${ws}/guarded`);
    expect(first.status).toBe(401);
    const [cookie] = cookiePairs(first.headers);
    expect(cookie).toMatch(/^fmsid=/);
    expect((await open(`${ws}/guarded`, cookie)).status).toBe(401);
    expect(store.size).toBe(1);
  });

  it("sends no cookie refresh on a known session's 401", async () => {
    let now = Date.now();
    const { http, ws, store } = await build(() => now);
    const { cookies } = await get(`${http}/me`); // a session stored with no user
    expect(cookies).toEqual([]);
    const first = await open(`${ws}/guarded`);
    const [cookie] = cookiePairs(first.headers);
    now += 1_500; // past touchAfter
    const refused = await open(`${ws}/guarded`, cookie);
    expect(refused.status).toBe(401);
    expect(cookiePairs(refused.headers)).toEqual([]);
    expect(store.size).toBe(1);
    expect((await get(`${http}/me`, cookie)).cookies).toHaveLength(1);
  });

  it('admits a logged-in visitor', async () => {
    const { http, ws } = await build();
    const cookie = await login(http);
    const { socket, status } = await open(`${ws}/guarded`, cookie);
    expect(status).toBe(101);
    expect(await closedSocket(socket!)).toEqual({ code: 1000, reason: 'admitted' });
  });
});
