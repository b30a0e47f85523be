// Two Express workers on one RedisStore, `rolling: true`. A streamed response's headers cannot
// wait for Redis: a request that loaded the session before a login on the other worker killed
// its id must not send that old id's cookie with them, after the login's (a logout).
import type { Server } from 'node:http';
import { session } from '@fastmmap/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../express/test/helpers/http-server.js';
import type { RedisStore } from '../src/index.js';
import type { RedisServer } from './helpers/redis-server.js';
import { newStore, redisBinary, skipReason, startRedis } from './helpers/setup.js';

const secret = 'redis-streamed-refresh-secret-0123456789abcdef';
type Data = Record<string, unknown>;

/** A worker; /feed loads the session, says so, then streams once `go()` is called. */
async function worker(store: RedisStore, servers: Server[]) {
  const app = express();
  app.use(session({ secret, store, rolling: true }));
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
  app.get('/feed', async (_req, res) => {
    loaded();
    await feedGo;
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

describe.skipIf(!redisBinary.found)(`Express, a streamed body, RedisStore${skipReason}`, () => {
  let redis: RedisServer;
  let store: RedisStore;
  const servers: Server[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    store = newStore(redis.url);
  });
  afterAll(async () => {
    for (const server of servers) await closeServer(server);
    await store?.close();
    await redis?.dispose();
  });

  it('loaded before a login on another worker: no old cookie, the browser stays logged in', async () => {
    const a = await worker(store, servers);
    const b = await worker(store, servers);
    const visit = await fetch(`${a.url}/visit`, { method: 'POST' });
    let cookie = pairOf(visit)[0]!;
    const feed = fetch(`${a.url}/feed`, { headers: { cookie } });
    await a.feedLoaded;
    const login = await fetch(`${b.url}/login`, { method: 'POST', headers: { cookie } });
    cookie = pairOf(login)[0]!;
    a.go();
    const streamed = await feed;
    await streamed.text();
    const fromFeed = pairOf(streamed);
    cookie = fromFeed[0] ?? cookie; // the browser keeps the last cookie it got
    const me = await fetch(`${b.url}/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ user: 'ann' });
    expect(fromFeed).toEqual([]);
  });
});
