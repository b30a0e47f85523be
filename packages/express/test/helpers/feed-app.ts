import type { Server } from 'node:http';
import { session } from '@fastmmap/express';
import express from 'express';
import { expect } from 'vitest';
import { listen } from './http-server.js';

type Data = Record<string, unknown>;
type Options = Parameters<typeof session>[0];
export type FeedWorker = Awaited<ReturnType<typeof feedWorker>>;

/**
 * One worker: /visit stores a token, /login regenerates, /me says who is logged in, and /feed
 * loads the session, says so (`feedLoaded`), then streams once `go()` is called (`?write`
 * changes the data first, `?remember` sets a week's maxAge).
 */
export async function feedWorker(options: Options, servers: Server[]) {
  const app = express();
  app.use(session(options));
  let loaded = () => {};
  let go = () => {};
  const feedLoaded = new Promise<void>((resolve) => {
    loaded = resolve;
  });
  const feedGo = new Promise<void>((resolve) => {
    go = resolve;
  });
  app.post('/visit', (req, res) => {
    (req.session.data as Data).csrf = 't';
    res.json({});
  });
  app.post('/login', async (req, res) => {
    await req.session.regenerate();
    (req.session.data as Data).user = 'ann';
    res.json({});
  });
  app.get('/feed', async (req, res) => {
    loaded();
    await feedGo;
    if (req.query.write !== undefined) (req.session.data as Data).seen = true;
    if (req.query.remember !== undefined) req.session.maxAge = 7 * 86_400_000;
    res.write('event\n');
    setTimeout(() => res.end(), 5);
  });
  app.get('/me', (req, res) => {
    res.json({ user: (req.session.data as Data).user ?? null });
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return { url: await listen(server), feedLoaded, go };
}

/** The `name=value` pairs of a response's Set-Cookie headers. */
export const pairOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';', 1)[0]!);

/**
 * A visit on `visitOn`; a feed on `feedOn` loads its cookie and waits; a login on `loginOn`
 * meanwhile; then the feed streams. Returns the feed's Set-Cookie pairs and who the browser
 * is afterwards (it keeps the last cookie it got).
 */
export async function feedOverLogin(
  { visitOn, feedOn, loginOn }: { visitOn: FeedWorker; feedOn: FeedWorker; loginOn: FeedWorker },
  { query = '', between = () => {} }: { query?: string; between?: () => void } = {},
) {
  const visit = await fetch(`${visitOn.url}/visit`, { method: 'POST' });
  let cookie = pairOf(visit)[0]!;
  between();
  const feed = fetch(`${feedOn.url}/feed${query}`, { headers: { cookie } });
  await feedOn.feedLoaded;
  const login = await fetch(`${loginOn.url}/login`, { method: 'POST', headers: { cookie } });
  cookie = pairOf(login)[0]!;
  expect(cookie).toBeDefined();
  feedOn.go();
  const streamed = await feed;
  await streamed.text();
  const fromFeed = pairOf(streamed);
  cookie = fromFeed[0] ?? cookie;
  const me = await fetch(`${loginOn.url}/me`, { headers: { cookie } });
  return { fromFeed, user: ((await me.json()) as { user: string | null }).user };
}
