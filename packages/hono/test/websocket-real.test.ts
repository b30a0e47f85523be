// The README's @hono/node-ws recipe as a user copies it, against real @hono/node-ws,
// @hono/node-server and ws over HTTP on 127.0.0.1 (the scenarios every recipe shares are in
// adapter-test-suite). websocket-handshake.test.ts sends the handshake's headers through
// app.request() instead.

import type { Server } from 'node:http';
import {
  closedSocket,
  cookiePairs,
  describeWebSocketRecipe,
  type RecipeOptions,
  recipeServer,
} from '@fastmmap/adapter-test-suite';
import { type SessionVariables, session } from '@fastmmap/hono';
import { commitWithoutCookie } from '@fastmmap/session-core';
import { serve } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';

type Data = Record<string, unknown>; // SessionData merged here would reach every test file

/** The README's app, with /login, /rename, /logout and /me over HTTP. */
async function build(options: RecipeOptions) {
  const app = new Hono<{ Variables: SessionVariables }>(); // the README's typing
  const { injectWebSocket, upgradeWebSocket, wss } = createNodeWebSocket({ app });
  const sessions = session(options);
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
  const served = await recipeServer(server, wss.clients, sessions);
  return { ...served, manager: sessions.manager };
}

// The recipe closes a logged-out socket with the reason it gives a new visitor.
const { start, open } = describeWebSocketRecipe('@hono/node-ws', build, {
  loggedOutReason: 'log in first',
});

describe('the README @hono/node-ws recipe', () => {
  it('stores nothing for a new visitor, sends no cookie, and closes on its message', async () => {
    const { ws, store } = await start();
    const { socket, status, headers } = await open(ws);
    expect(status).toBe(101);
    expect(cookiePairs(headers)).toEqual([]);
    expect(store.size).toBe(0);
    const closed = closedSocket(socket!);
    socket!.send('hello');
    expect(await closed).toEqual({ code: 1008, reason: 'log in first' });
    expect(store.size).toBe(0);
  });
});
