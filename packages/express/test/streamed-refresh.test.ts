// A streamed body's headers cannot wait for an asynchronous store's commit. A cookie that
// only renews the id the client holds must not go out with them unconfirmed: a request loaded
// before a login killed that id would send the old id's cookie after the login's, logging
// the browser out. It stays due for the next response instead.
import type { Server } from 'node:http';
import { GatedStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/express';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const oldSecret = 'express-streamed-refresh-old-0123456789abcdef';
const newSecret = 'express-streamed-refresh-new-0123456789abcdef';
type Data = Record<string, unknown>;
type Options = Parameters<typeof session>[0];

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** A store that answers asynchronously, as RedisStore does: each write waits 5 ms. */
class AsyncStore extends GatedStore {
  override beforeWrite = () => new Promise((resolve) => setTimeout(resolve, 5));
}

/** One worker: /visit stores a token, /login regenerates, /feed streams once told to. */
async function worker(options: Options) {
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

const pairOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';', 1)[0]!);

/**
 * A visit on `a`; a feed on `b` loads its cookie and waits; a login on `c` meanwhile; then the
 * feed streams. Returns the feed's Set-Cookie pairs and who the browser is afterwards.
 */
async function feedOverLogin(
  a: Awaited<ReturnType<typeof worker>>,
  b: Awaited<ReturnType<typeof worker>>,
  query = '',
  between = () => {},
) {
  const visit = await fetch(`${a.url}/visit`, { method: 'POST' });
  let cookie = pairOf(visit)[0]!;
  between();
  const feed = fetch(`${b.url}/feed${query}`, { headers: { cookie } });
  await b.feedLoaded;
  const login = await fetch(`${b.url}/login`, { method: 'POST', headers: { cookie } });
  cookie = pairOf(login)[0]!;
  b.go();
  const streamed = await feed;
  await streamed.text();
  const fromFeed = pairOf(streamed);
  cookie = fromFeed[0] ?? cookie; // the browser applies the last response's cookie
  const me = await fetch(`${b.url}/me`, { headers: { cookie } });
  return { fromFeed, user: ((await me.json()) as { user: string | null }).user };
}

describe('a streamed body on an asynchronous store, loaded before a login killed its id', () => {
  it('with rolling: sends no cookie for the old id, and the browser stays logged in', async () => {
    const store = new AsyncStore();
    const app = await worker({ secret: newSecret, store, rolling: true });
    const { fromFeed, user } = await feedOverLogin(app, app);
    expect(user).toBe('ann');
    expect(fromFeed).toEqual([]);
  });

  it('with a refresh due (touchAfter), a data write or none: no cookie, still logged in', async () => {
    for (const query of ['', '?write']) {
      let now = 1_000_000;
      const clock = () => now;
      const store = new AsyncStore({ clock });
      const app = await worker({ secret: newSecret, store, clock, ttl: 60_000, touchAfter: 1_000 });
      const due = () => {
        now += 1_500;
      };
      const { fromFeed, user } = await feedOverLogin(app, app, query, due);
      expect(user).toBe('ann');
      expect(fromFeed).toEqual([]);
    }
  });

  it('with a cookie signed by an older secret: no re-signed cookie, still logged in', async () => {
    const store = new AsyncStore();
    const before = await worker({ secret: oldSecret, store });
    const rotated = await worker({ secret: [newSecret, oldSecret], store });
    const { fromFeed, user } = await feedOverLogin(before, rotated);
    expect(user).toBe('ann');
    expect(fromFeed).toEqual([]);
  });
});

describe('a streamed body on an asynchronous store, its id live', () => {
  it('leaves a due refresh to the next response that can carry a cookie', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const store = new AsyncStore({ clock });
    const app = await worker({ secret: newSecret, store, clock, ttl: 60_000, touchAfter: 1_000 });
    const visit = await fetch(`${app.url}/visit`, { method: 'POST' });
    const cookie = pairOf(visit)[0]!;
    now += 1_500;
    app.go();
    const feed = await fetch(`${app.url}/feed`, { headers: { cookie } });
    await feed.text();
    expect(feed.headers.getSetCookie()).toEqual([]);
    const next = await fetch(`${app.url}/me`, { headers: { cookie } });
    const refreshed = next.headers.getSetCookie();
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatch(/^fmsid=.*Max-Age=60;/);
  });

  it('still sends a lifetime set before the first chunk (news, not a refresh)', async () => {
    const store = new AsyncStore();
    const app = await worker({ secret: newSecret, store });
    const visit = await fetch(`${app.url}/visit`, { method: 'POST' });
    const cookie = pairOf(visit)[0]!;
    app.go();
    const feed = await fetch(`${app.url}/feed?remember`, { headers: { cookie } });
    await feed.text();
    const sent = feed.headers.getSetCookie();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/Max-Age=604800;/);
  });
});
