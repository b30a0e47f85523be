// The README's koa-websocket notes against the real koa-websocket and ws over HTTP on
// 127.0.0.1: `app.ws.use(session(...))` runs once per WebSocket, after the 101 went out, on a
// ctx with no response (no-response.test.ts builds that ctx by hand). What that middleware
// changes is committed, no cookie goes out, and a new visitor's session is not stored.

import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import websockify from 'koa-websocket';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

const secret = 'koa-websocket-real-test-secret-0123456789abcdef';
type Data = Record<string, unknown>;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start() {
  const store = new MemoryStore();
  const app = websockify(new Koa());
  app.silent = true;
  const errors: unknown[] = [];
  app.on('error', (err) => errors.push(err));
  const sessions = session({ secret, store });
  app.use(sessions);
  app.use(async (ctx) => {
    if (ctx.path === '/login') (ctx.session.data as Data).user = 'ann';
    ctx.body = ctx.session.data;
  });
  app.ws.use(sessions);
  app.ws.use(async (ctx) => {
    const data = ctx.session.data as Data;
    data.socket = 'open';
    ctx.websocket.send(JSON.stringify({ user: data.user ?? null }));
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { store, errors, host };
}

/** A WebSocket's 101 Set-Cookie headers and its first message. */
async function connect(host: string, cookie?: string) {
  const ws = new WebSocket(`ws://${host}/socket`, cookie ? { headers: { cookie } } : {});
  let setCookie: string[] = [];
  ws.on('upgrade', (res) => {
    setCookie = res.headers['set-cookie'] ?? [];
  });
  const [message] = (await once(ws, 'message')) as [Buffer];
  ws.close();
  await once(ws, 'close');
  return { setCookie, message: JSON.parse(String(message)) as unknown };
}

describe('session() as koa-websocket middleware (app.ws.use)', () => {
  it("reads a logged-in session and commits the socket's change, with no cookie", async () => {
    const { store, errors, host } = await start();
    const login = await fetch(`http://${host}/login`);
    const cookie = login.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    const socket = await connect(host, cookie);
    expect(socket).toEqual({ setCookie: [], message: { user: 'ann' } });
    const me = await fetch(`http://${host}/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ user: 'ann', socket: 'open' });
    expect(store.size).toBe(1);
    expect(errors).toEqual([]);
  });

  it("stores no session for a new visitor's socket, whose cookie has nowhere to go", async () => {
    const { store, errors, host } = await start();
    const socket = await connect(host);
    expect(socket).toEqual({ setCookie: [], message: { user: null } });
    // The commit follows the send: a request the server answers after it, before counting
    // (an untouched new session, which stores nothing either).
    await (await fetch(`http://${host}/me`)).arrayBuffer();
    expect(store.size).toBe(0);
    expect(errors).toEqual([]);
  });
});
