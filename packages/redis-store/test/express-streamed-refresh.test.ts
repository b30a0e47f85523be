// Two Express workers on one RedisStore, `rolling: true`. A streamed response's headers cannot
// wait for Redis: a request that loaded the session before a login on the other worker killed
// its id must not send that old id's cookie with them, after the login's (a logout).
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedOverLogin, feedWorker } from '../../express/test/helpers/feed-app.js';
import { closeServer } from '../../express/test/helpers/http-server.js';
import type { RedisStore } from '../src/index.js';
import type { RedisServer } from './helpers/redis-server.js';
import { newStore, redisBinary, skipReason, startRedis } from './helpers/setup.js';

const secret = 'redis-streamed-refresh-secret-0123456789abcdef';

/** A worker on the shared store, `rolling: true`. */
const worker = (store: RedisStore, servers: Server[]) =>
  feedWorker({ secret, store, rolling: true }, servers);

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
    const { fromFeed, user } = await feedOverLogin({ visitOn: a, feedOn: a, loginOn: b });
    expect(user).toBe('ann');
    expect(fromFeed).toEqual([]);
  });
});
