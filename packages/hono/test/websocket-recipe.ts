// The README's WebSocket recipe as a user copies it, against the real library, server and
// ws over HTTP on 127.0.0.1: the upgradeWebSocket() of @hono/node-ws on @hono/node-server 1.x
// (websocket-node-ws.test.ts) or of @hono/node-server 2.x (websocket-node-server.test.ts).
// The scenarios every recipe shares are in adapter-test-suite; websocket-handshake.test.ts
// sends the handshake's headers through app.request() instead.
import {
  closedSocket,
  cookiePairs,
  describeWebSocketRecipe,
  type RecipeOptions,
  type RecipeServer,
} from '@fastmmap/adapter-test-suite';
import { type SessionVariables, session } from '@fastmmap/hono';
import { commitWithoutCookie } from '@fastmmap/session-core';
import { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import { describe, expect, it } from 'vitest';

type Data = Record<string, unknown>; // SessionData merged here would reach every test file

/**
 * The README's app, with /login, /rename, /logout and /me over HTTP; `wire` gives the
 * library's upgradeWebSocket() for the app (and whatever else the server needs, returned).
 */
export function recipeApp<W extends { upgradeWebSocket: UpgradeWebSocket }>(
  options: RecipeOptions,
  wire: (app: Hono<{ Variables: SessionVariables }>) => W,
) {
  const app = new Hono<{ Variables: SessionVariables }>(); // the README's typing
  const wired = wire(app);
  const { upgradeWebSocket } = wired;
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
  return { app, sessions, wired };
}

/** The recipe's scenarios for one library; `build` serves recipeApp() with it. */
export function describeHonoRecipe(
  library: string,
  build: (
    options: RecipeOptions,
  ) => Promise<RecipeServer & { manager: ReturnType<typeof session>['manager'] }>,
) {
  // The recipe closes a logged-out socket with the reason it gives a new visitor.
  const { start, open } = describeWebSocketRecipe(library, build, {
    loggedOutReason: 'log in first',
  });

  describe(`the README ${library} recipe`, () => {
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
}
