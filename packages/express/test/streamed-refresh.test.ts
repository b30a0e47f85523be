// A streamed body's headers cannot wait for an asynchronous store's commit. A cookie that
// only renews the id the client holds must not go out with them unconfirmed: a request loaded
// before a login killed that id would send the old id's cookie after the login's, logging
// the browser out. It stays due for the next response instead.
import type { Server } from 'node:http';
import { GatedStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/express';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { type FeedWorker, feedOverLogin, feedWorker, pairOf } from './helpers/feed-app.js';
import { closeServer, listen } from './helpers/http-server.js';

const oldSecret = 'express-streamed-refresh-old-0123456789abcdef';
const newSecret = 'express-streamed-refresh-new-0123456789abcdef';
type Options = Parameters<typeof session>[0];

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** A store that answers asynchronously, as RedisStore does: each write waits 5 ms. */
class AsyncStore extends GatedStore {
  override beforeWrite = () => new Promise((resolve) => setTimeout(resolve, 5));
}

/** One worker on `options`, closed after the test. */
const worker = (options: Options) => feedWorker(options, servers);
const same = (w: FeedWorker) => ({ visitOn: w, feedOn: w, loginOn: w });

describe('a streamed body on an asynchronous store, loaded before a login killed its id', () => {
  it('with rolling: sends no cookie for the old id, and the browser stays logged in', async () => {
    const store = new AsyncStore();
    const app = await worker({ secret: newSecret, store, rolling: true });
    const { fromFeed, user } = await feedOverLogin(same(app));
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
      const { fromFeed, user } = await feedOverLogin(same(app), { query, between: due });
      expect(user).toBe('ann');
      expect(fromFeed).toEqual([]);
    }
  });

  it('with a cookie signed by an older secret: no re-signed cookie, still logged in', async () => {
    const store = new AsyncStore();
    const before = await worker({ secret: oldSecret, store });
    const rotated = await worker({ secret: [newSecret, oldSecret], store });
    const { fromFeed, user } = await feedOverLogin({
      visitOn: before,
      feedOn: rotated,
      loginOn: rotated,
    });
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

  /** compressedApp on `store` and its clock: a 60 s ttl and a 1 s touchAfter. */
  const compressedOnClock = (store: AsyncStore, clock: () => number) =>
    compressedApp({ secret: newSecret, store, clock, ttl: 60_000, touchAfter: 1_000 });

  it('headers always ahead of the commit (compression() after session()): a refresh a second touchAfter overdue goes', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const store = new AsyncStore({ clock });
    const url = await compressedOnClock(store, clock);
    const first = await fetch(`${url}/me`);
    const cookie = pairOf(first)[0]!;
    now += 1_500; // due: withheld, as for a streamed body
    expect(pairOf(await fetch(`${url}/me`, { headers: { cookie } }))).toEqual([]);
    now += 1_000; // a second touchAfter overdue: sent unconfirmed rather than never
    const refreshed = await fetch(`${url}/me`, { headers: { cookie } });
    expect(refreshed.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^fmsid=.*Max-Age=60;/),
    ]);
    // In use past its 60 s ttl, one request every 1.5 s: it never lapses.
    for (let i = 0; i < 50; i++) {
      now += 1_500;
      const res = await fetch(`${url}/me`, { headers: { cookie } });
      expect(await res.json()).toEqual({ isNew: false });
    }
  });

  it('headers always ahead of the commit: the overdue refresh that went counts as a touch', async () => {
    let now = 1_000_000;
    const clock = () => now;
    let writes = 0;
    const store = new AsyncStore({ clock });
    store.beforeWrite = () => {
      writes++;
      return new Promise((resolve) => setTimeout(resolve, 5));
    };
    const url = await compressedOnClock(store, clock);
    const cookie = pairOf(await fetch(`${url}/me`))[0]!;
    now += 2_500; // a second touchAfter overdue: the refresh goes
    expect(pairOf(await fetch(`${url}/me`, { headers: { cookie } }))).toHaveLength(1);
    const before = writes;
    // end() marked the session cookieless while that touch waited: it still moved `touched`,
    // so the next responses neither write nor send a cookie until the throttle is due again.
    for (let i = 0; i < 3; i++) {
      now += 300;
      expect(pairOf(await fetch(`${url}/me`, { headers: { cookie } }))).toEqual([]);
    }
    expect(writes).toBe(before);
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

/** As with compression() mounted after session(): every end() writes the headers first. */
async function compressedApp(options: Options): Promise<string> {
  const app = express();
  app.use(session(options));
  app.use((_req, res, next) => {
    const end = res.end;
    res.end = function (this: typeof res, ...args: unknown[]) {
      this.writeHead(this.statusCode);
      setImmediate(() => (end as (...a: unknown[]) => void).apply(this, args));
      return this;
    } as typeof res.end;
    next();
  });
  app.get('/me', (req, res) => {
    (req.session.data as Record<string, unknown>).seen = true;
    res.json({ isNew: req.session.isNew });
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}
