// The README's koa-easy-ws recipe as a user copies it, against real koa-easy-ws and ws over
// HTTP on 127.0.0.1 (the scenarios every recipe shares are in adapter-test-suite).
// no-response.test.ts builds the handshake's ctx by hand instead.

import type { Server } from 'node:http';
import {
  cookiePairs,
  describeWebSocketRecipe,
  type RecipeOptions,
  recipeServer,
} from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/koa';
import { commitWithoutCookie } from '@fastmmap/session-core';
import Koa from 'koa';
import easyWs from 'koa-easy-ws';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';

// koa-easy-ws's types declare an ES default export; its CommonJS `module.exports` is the
// function, which is what Node's default import gives.
const websocket = easyWs as unknown as typeof easyWs.default;

type Data = Record<string, unknown>; // SessionData merged here would reach every test file

/** The README's app, with /login, /rename, /logout and /me over HTTP. */
async function build(options: RecipeOptions) {
  const app = new Koa();
  app.silent = true;
  const sockets = websocket();
  const sessions = session(options);
  app.use(sockets);
  app.use(sessions);
  app.use(async (ctx, next) => {
    if (!ctx.ws) return next();
    if ((ctx.session.data as Data).user === undefined) {
      ctx.status = 401; // an ordinary response: it carries the cookie
      return;
    }
    const ws: WebSocket = await ctx.ws();
    const cookie = ctx.get('cookie');
    ws.on('message', async (message) => {
      try {
        const current = await sessions.manager.load(cookie);
        if ((current.data as Data).user === undefined) return ws.close(1008, 'logged out');
        (current.data as Data).lastMessage = String(message);
        await commitWithoutCookie(current); // commit() would count an unsendable cookie as sent
      } catch {
        ws.close(1011, 'session unavailable'); // a rejection here would end the process
      }
    });
  });
  app.use(async (ctx) => {
    const data = ctx.session.data as Data;
    if (ctx.path === '/login') data.user = 'ann';
    else if (ctx.path === '/rename') data.user = 'bob';
    else if (ctx.path === '/logout') ctx.session = null;
    ctx.body = data;
  });
  const server: Server = app.listen(0, '127.0.0.1');
  const served = await recipeServer(server, sockets.server.clients, sessions);
  return { ...served, manager: sessions.manager };
}

const { start, open } = describeWebSocketRecipe('koa-easy-ws', build);

describe('the README koa-easy-ws recipe', () => {
  it('refuses a new visitor with a 401, stores nothing and sets no cookie', async () => {
    const { ws, store } = await start();
    const { status, headers } = await open(ws);
    expect(status).toBe(401);
    expect(cookiePairs(headers)).toEqual([]);
    expect(store.size).toBe(0);
  });
});
