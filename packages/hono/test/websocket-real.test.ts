// The README's @hono/node-ws recipe as a user copies it, against real @hono/node-ws,
// @hono/node-server and ws over HTTP on 127.0.0.1. websocket-handshake.test.ts sends the
// handshake's headers through app.request() instead.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  closedSocket,
  cookiePairs,
  FlakyStore,
  type Handshake,
  openWebSocket,
} from '@fastmmap/adapter-test-suite';
import { type SessionVariables, session } from '@fastmmap/hono';
import { commitWithoutCookie } from '@fastmmap/session-core';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';

// A broken integration leaves a socket or a poll waiting: fail fast, not at the 60 s default.
vi.setConfig({ testTimeout: 4_000 });

const secret = 'hono-websocket-real-test-secret-0123456789abcdef';
type Data = Record<string, unknown>; // SessionData merged here would reach every test file

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The README's app, with /login, /rename, /logout and /me over HTTP. */
async function build(clock = Date.now) {
  const store = new FlakyStore({ clock }); // a MemoryStore whose outage a test switches on
  const app = new Hono<{ Variables: SessionVariables }>(); // the README's typing
  const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app });
  const sessions = session({ secret, store, clock, ttl: 60_000, touchAfter: 1_000 });
  app.use(sessions);
  app.get(
    '/chat',
    upgradeWebSocket((c) => {
      const cookie = c.req.header('cookie');
      return {
        async onMessage(event, ws) {
          try {
            const current = await sessions.manager.load(cookie);
            if ((current.data as Data).user === undefined) return ws.close(1008, 'log in first');
            (current.data as Data).lastMessage = String(event.data);
            await commitWithoutCookie(current); // commit() would count an unsendable cookie as sent
          } catch {
            ws.close(1011, 'session unavailable'); // a rejection here would end the process
          }
        },
      };
    }),
  );
  app.get('/login', (c) => {
    (c.get('session').data as Data).user = 'ann';
    return c.json(c.get('session').data);
  });
  app.get('/rename', (c) => {
    (c.get('session').data as Data).user = 'bob';
    return c.json(c.get('session').data);
  });
  app.get('/logout', async (c) => {
    const data = { ...c.get('session').data };
    await c.get('session').destroy();
    return c.json(data);
  });
  app.get('/me', (c) => c.json(c.get('session').data));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  injectWebSocket(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // close() waits for every open connection, upgraded sockets included.
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await sessions.close();
    })();
    return closing;
  };
  cleanups.push(close);
  const base = `127.0.0.1:${port}`;
  return { http: `http://${base}`, ws: `ws://${base}/chat`, store, sessions, close };
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

describe('the README @hono/node-ws recipe', () => {
  it("lets a logged-in visitor's socket save to the session HTTP sees, with no cookie", async () => {
    const { http, ws } = await build();
    const cookie = await login(http);
    const { socket, status, headers } = await open(ws, cookie);
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

  it('stores nothing for a new visitor, sends no cookie, and closes on its message', async () => {
    const { ws, store } = await build();
    const { socket, status, headers } = await open(ws);
    expect(status).toBe(101);
    expect(cookiePairs(headers)).toEqual([]);
    expect(store.size).toBe(0);
    const closed = closedSocket(socket!);
    socket!.send('hello');
    expect(await closed).toEqual({ code: 1008, reason: 'log in first' });
    expect(store.size).toBe(0);
  });

  it('leaves a cookie refresh that fell due to the next HTTP response, not the socket', async () => {
    let now = Date.now();
    const { http, ws, sessions } = await build(() => now);
    const cookie = await login(http);
    now += 1_500; // past touchAfter
    const { socket, headers } = await open(ws, cookie);
    expect(cookiePairs(headers)).toEqual([]);
    socket!.send('hello');
    // Read as stored, with no response that could carry (and so spend) the refresh.
    const stored = async () => ((await sessions.manager.load(cookie)).data as Data).lastMessage;
    await expect.poll(stored).toBe('hello');
    expect((await get(`${http}/me`, cookie)).cookies).toEqual([
      expect.stringMatching(/^fmsid=.*Max-Age=60/),
    ]);
  });

  it('closes the socket on its next message after a logout over HTTP', async () => {
    const { http, ws, store } = await build();
    const cookie = await login(http);
    const { socket } = await open(ws, cookie);
    expect((await get(`${http}/logout`, cookie)).data).toEqual({ user: 'ann' });
    const records = store.size; // destroy() may leave a tombstone
    const closed = closedSocket(socket!);
    socket!.send('hello');
    expect(await closed).toEqual({ code: 1008, reason: 'log in first' });
    expect(store.size).toBe(records);
    expect((await get(`${http}/me`, cookie)).data).toEqual({});
  });

  it('closes the socket with 1011 when the store fails, and keeps serving', async () => {
    const { http, ws, store } = await build();
    const cookie = await login(http);
    const { socket } = await open(ws, cookie);
    store.failGet = true; // a store outage (or a message too large for a page) in the handler
    const closed = closedSocket(socket!);
    socket!.send('hello');
    expect(await closed).toEqual({ code: 1011, reason: 'session unavailable' });
    store.failGet = false;
    expect((await get(`${http}/me`, cookie)).data).toEqual({ user: 'ann' });
  });

  it('lets the client close, and the server close with a socket still open', async () => {
    const { http, ws, close } = await build();
    const cookie = await login(http);
    const first = (await open(ws, cookie)).socket!;
    const closed = closedSocket(first);
    first.close(1000, 'bye');
    expect(await closed).toEqual({ code: 1000, reason: 'bye' });
    const second = (await open(ws, cookie)).socket!;
    const dropped = closedSocket(second);
    await close(); // as on shutdown: the socket still open must not hold the process
    expect((await dropped).code).toBe(1006);
  });
});
