import { afterEach } from 'vitest';
import { FlakyStore } from './flaky-store.js';
import { type Handshake, openWebSocket } from './websocket-client.js';

const secret = 'websocket-recipe-secret-0123456789-abcdefghijklmnop';

/**
 * Session data as the recipe apps keep it: a `user`, and the socket's `lastMessage`. (Not
 * merged into SessionData: that would reach every test file.)
 */
export type RecipeData = Record<string, unknown>;

/** The session options a recipe's app gets: its store is a FlakyStore, its clock the test's. */
export interface RecipeOptions {
  secret: string;
  store: FlakyStore;
  clock: () => number;
  /** 60 s: a cookie's Max-Age=60. */
  ttl: number;
  /** 1 s: a test steps the clock 1.5 s for a refresh to fall due. */
  touchAfter: number;
}

/**
 * A README WebSocket recipe running on 127.0.0.1 port 0, with the adapter's session on
 * `options`. Over HTTP it serves `GET /login` (sets `user: 'ann'`), `/rename` (`user: 'bob'`),
 * `/logout` (destroys the session and answers the data it had) and `/me`, each answering the
 * session's data as JSON.
 */
export interface RecipeApp {
  /** e.g. `http://127.0.0.1:40123` */
  http: string;
  /** The recipe's socket, e.g. `ws://127.0.0.1:40123/chat`. */
  ws: string;
  /** The adapter's manager: reads a session as stored, with no response to spend a refresh. */
  manager: { load(cookie: string): Promise<{ data: object }> };
  /** Closes the server as on shutdown, sockets still open included; may be called twice. */
  close(): Promise<void>;
}

/** Starts the recipe's app with the adapter's session on `options`. */
export type StartRecipeApp<App extends RecipeApp> = (options: RecipeOptions) => Promise<App>;

/** What a test uses: what it starts and opens is closed after it. */
export interface RecipeTools<App extends RecipeApp> {
  /** Starts the app on a fresh store and `clock` (default Date.now). */
  start(clock?: () => number): Promise<App & { store: FlakyStore }>;
  /** A handshake with `cookie`; its socket, if admitted, is terminated after the test. */
  open(url: string, cookie?: string): Promise<Handshake>;
  get(url: string, cookie?: string): Promise<{ data: RecipeData; cookies: string[] }>;
  /** Logs in over HTTP: the session cookie's `name=value`. */
  login(http: string): Promise<string>;
}

/**
 * The tools for `startApp`'s recipe. Registers an afterEach where it is called: at a file's
 * top level, it cleans up after every test of the file.
 */
export function recipeTools<App extends RecipeApp>(
  startApp: StartRecipeApp<App>,
): RecipeTools<App> {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    // Sockets first: a server's close() waits for every open connection.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function get(url: string, cookie?: string) {
    const res = await fetch(url, cookie === undefined ? {} : { headers: { cookie } });
    return { data: (await res.json()) as RecipeData, cookies: res.headers.getSetCookie() };
  }

  return {
    async start(clock = Date.now) {
      const store = new FlakyStore({ clock }); // a MemoryStore whose outage a test switches on
      const app = await startApp({ secret, store, clock, ttl: 60_000, touchAfter: 1_000 });
      cleanups.push(() => app.close());
      return { ...app, store };
    },
    async open(url, cookie) {
      const handshake = await openWebSocket(url, cookie);
      const { socket } = handshake;
      if (socket !== undefined) cleanups.push(() => socket.terminate());
      return handshake;
    },
    get,
    async login(http) {
      const { cookies } = await get(`${http}/login`);
      return cookies[0]!.split(';', 1)[0]!;
    },
  };
}
