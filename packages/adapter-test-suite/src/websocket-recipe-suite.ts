import { describe, expect, it, vi } from 'vitest';
import { closedSocket, cookiePairs } from './websocket-client.js';
import {
  type RecipeApp,
  type RecipeData,
  type RecipeTools,
  recipeTools,
  type StartRecipeApp,
} from './websocket-recipe-tools.js';

export interface WebSocketRecipeOptions {
  /** The reason of the 1008 close after a logout over HTTP. Default 'logged out'. */
  loggedOutReason?: string;
  /** The code a socket still open gets when the server closes. Default 1006 (terminated). */
  serverCloseCode?: number;
}

/**
 * The scenarios every README WebSocket recipe (a socket message loads the session, saves with
 * commitWithoutCookie(), closes with 1008 once logged out and 1011 when that fails) must pass
 * against the real library and a `ws` client over HTTP. Call it at a file's top level: it sets
 * a 4 s test timeout for the file, and the tools it returns clean up after each of the file's
 * tests, so the adapter's own cases can share them (in a `describe` of the same name).
 */
export function describeWebSocketRecipe<App extends RecipeApp>(
  library: string,
  startApp: StartRecipeApp<App>,
  options: WebSocketRecipeOptions = {},
): RecipeTools<App> {
  // A broken integration leaves a socket or a poll waiting: fail fast, not at the 60 s default.
  vi.setConfig({ testTimeout: 4_000 });
  const tools = recipeTools(startApp);
  const { start, open, get, login } = tools;

  describe(`the README ${library} recipe`, () => {
    it("lets a logged-in visitor's socket save to the session HTTP sees, with no cookie", async () => {
      const { http, ws } = await start();
      const cookie = await login(http);
      const { socket, status, headers } = await open(ws, cookie);
      expect(status).toBe(101);
      expect(cookiePairs(headers)).toEqual([]);
      socket!.send('hello');
      const me = async () => (await get(`${http}/me`, cookie)).data;
      await expect.poll(me).toEqual({ user: 'ann', lastMessage: 'hello' });
      // Each message loads the session as stored: a change made over HTTP since is kept.
      await get(`${http}/rename`, cookie);
      socket!.send('again');
      await expect.poll(me).toEqual({ user: 'bob', lastMessage: 'again' });
    });

    it('leaves a cookie refresh that fell due to the next HTTP response, not the socket', async () => {
      let now = Date.now();
      const { http, ws, manager } = await start(() => now);
      const cookie = await login(http);
      now += 1_500; // past touchAfter
      const { socket, status, headers } = await open(ws, cookie);
      expect(status).toBe(101);
      expect(cookiePairs(headers)).toEqual([]);
      socket!.send('hello');
      // Read as stored, with no response that could carry (and so spend) the refresh.
      const stored = async () => ((await manager.load(cookie)).data as RecipeData).lastMessage;
      await expect.poll(stored).toBe('hello');
      expect((await get(`${http}/me`, cookie)).cookies).toEqual([
        expect.stringMatching(/^fmsid=.*Max-Age=60/),
      ]);
    });

    it('closes the socket on its next message after a logout over HTTP', async () => {
      const { http, ws, store } = await start();
      const cookie = await login(http);
      const { socket } = await open(ws, cookie);
      expect((await get(`${http}/logout`, cookie)).data).toEqual({ user: 'ann' });
      const records = store.size; // destroy() may leave a tombstone
      const closed = closedSocket(socket!);
      socket!.send('hello');
      const reason = options.loggedOutReason ?? 'logged out';
      expect(await closed).toEqual({ code: 1008, reason });
      expect(store.size).toBe(records);
      expect((await get(`${http}/me`, cookie)).data).toEqual({});
    });

    it('closes the socket with 1011 when the store fails, and keeps serving', async () => {
      const { http, ws, store } = await start();
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
      const { http, ws, close } = await start();
      const cookie = await login(http);
      const first = (await open(ws, cookie)).socket!;
      const closed = closedSocket(first);
      first.close(1000, 'bye');
      expect(await closed).toEqual({ code: 1000, reason: 'bye' });
      const second = (await open(ws, cookie)).socket!;
      const dropped = closedSocket(second);
      await close(); // as on shutdown: the socket still open must not hold the process
      expect((await dropped).code).toBe(options.serverCloseCode ?? 1006);
    });
  });
  return tools;
}
