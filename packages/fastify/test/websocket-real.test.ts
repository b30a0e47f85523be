// The README's @fastify/websocket recipe as a user copies it, against real @fastify/websocket
// and ws over HTTP on 127.0.0.1 (the scenarios every recipe shares are in adapter-test-suite).
// websocket-handshake.test.ts sends the handshake's headers through inject() instead.

import websocket from '@fastify/websocket';
import {
  closedSocket,
  cookiePairs,
  describeWebSocketRecipe,
  type RecipeOptions,
} from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import { commitWithoutCookie } from '@fastmmap/session-core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

type Data = Record<string, unknown>; // SessionData merged here would reach every test file

/**
 * The README's app on /chat; /guarded refuses in preHandler as its notes say; /login,
 * /rename, /logout and /me over HTTP.
 */
async function build(options: RecipeOptions) {
  const app = Fastify();
  await app.register(websocket);
  await app.register(fastifySession, options);
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
  const base = `127.0.0.1:${port}`;
  return {
    http: `http://${base}`,
    ws: `ws://${base}/chat`,
    guarded: `ws://${base}/guarded`,
    manager: app.sessionManager,
    close,
  };
}

// The plugin's preClose closes a socket still open with close(), no code: 1005.
const { start, open, get, login } = describeWebSocketRecipe('@fastify/websocket', build, {
  serverCloseCode: 1005,
});

describe('the README @fastify/websocket recipe', () => {
  it("closes a new visitor's socket with 1008, storing nothing and sending no cookie", async () => {
    const { ws, store } = await start();
    const { socket, status, headers } = await open(ws);
    expect(status).toBe(101);
    expect(cookiePairs(headers)).toEqual([]);
    expect(await closedSocket(socket!)).toEqual({ code: 1008, reason: 'log in first' });
    expect(store.size).toBe(0);
  });
});

describe('a handshake refused in preHandler (the README notes)', () => {
  it("sends a new visitor's cookie on the 401, so retries reuse one session", async () => {
    const { guarded, store } = await start();
    const first = await open(guarded);
    expect(first.status).toBe(401);
    const [cookie] = cookiePairs(first.headers);
    expect(cookie).toMatch(/^fmsid=/);
    expect((await open(guarded, cookie)).status).toBe(401);
    expect(store.size).toBe(1);
  });

  it("sends no cookie refresh on a known session's 401", async () => {
    let now = Date.now();
    const { http, guarded, store } = await start(() => now);
    const { cookies } = await get(`${http}/me`); // a session stored with no user
    expect(cookies).toEqual([]);
    const first = await open(guarded);
    const [cookie] = cookiePairs(first.headers);
    now += 1_500; // past touchAfter
    const refused = await open(guarded, cookie);
    expect(refused.status).toBe(401);
    expect(cookiePairs(refused.headers)).toEqual([]);
    expect(store.size).toBe(1);
    expect((await get(`${http}/me`, cookie)).cookies).toHaveLength(1);
  });

  it('admits a logged-in visitor', async () => {
    const { http, guarded } = await start();
    const cookie = await login(http);
    const { socket, status } = await open(guarded, cookie);
    expect(status).toBe(101);
    expect(await closedSocket(socket!)).toEqual({ code: 1000, reason: 'admitted' });
  });
});
