import { createClient as createClientV5 } from 'redis-v5';
import { createClient as createClientV6 } from 'redis-v6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClientLike, RedisStore } from '../src/index.js';
import { freeLoopbackPort, type RedisServer } from './helpers/redis-server.js';
import { rawClient, redisBinary, skipReason, startRedis } from './helpers/setup.js';

const HOUR = 3_600_000;

// A client the app made with its own node-redis, of either supported major: a copy other than
// the store's (whose error classes differ), with that major's defaults (v6: RESP3, and a 5 s
// timeout on every queued command).
// `resp2`: the options that make it authenticate with AUTH, not HELLO (v5 sends HELLO for any
// RESP option, 2 included).
const majors = [
  ['node-redis 5', (url: string, options = {}) => createClientV5({ url, ...options }), {}],
  ['node-redis 6', (url: string, options = {}) => createClientV6({ url, ...options }), { RESP: 2 }],
] as const;

describe.each(majors)('a %s client passed in', (_name, createClient, resp2) => {
  const given = (url: string, options = {}): RedisClientLike =>
    createClient(url, options) as unknown as RedisClientLike;

  it('a queued command waits commandTimeout, not the client own shorter command timeout', {
    timeout: 15_000,
  }, async () => {
    // Redis down: commands wait in the offline queue. v6 times them out after 5 s by default
    // (commandOptions.timeout; v5 only if set): a bound the store's options did not choose.
    const url = `redis://127.0.0.1:${await freeLoopbackPort()}`;
    const client = given(url, { commandOptions: { timeout: 200 } });
    const store = new RedisStore({
      client,
      closeClient: true,
      commandTimeout: 1000,
      connectTimeout: 1500,
    });
    const started = Date.now();
    const err = await store.store('a', { n: 1 }, HOUR).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(err).toMatchObject({
      redisCode: 'ERR_REDIS_UNAVAILABLE',
      message: expect.stringMatching(/^no connection to Redis within 1000 ms .*SET was not sent/),
    });
    const ready = Date.now();
    await expect(store.ready()).rejects.toThrow(/within 1500 ms \(connectTimeout\)/);
    expect(Date.now() - ready).toBeGreaterThanOrEqual(1400);
    await store.close();
  });

  describe.skipIf(!redisBinary.found)(`on a real redis-server${skipReason}`, () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedis();
    });
    afterAll(async () => {
      await server?.dispose();
    });

    it('runs every call, the scripts (EVALSHA, then EVAL on NOSCRIPT) and error replies included', async () => {
      const raw = await rawClient(server.url);
      await raw.sendCommand(['SCRIPT', 'FLUSH']);
      const client = given(server.url);
      const store = new RedisStore<{ n: number }>({ client, prefix: 'majors:', closeClient: true });
      await store.ready();
      await store.store('a', { n: 1 }, HOUR);
      expect(await store.get('a')).toEqual({ n: 1 });
      expect(await store.touch('a', HOUR)).toBe(true);
      expect(await store.getAndSet('a', (s) => ({ n: (s?.n ?? 0) + 1 }), HOUR)).toEqual({ n: 2 });
      await raw.sendCommand(['LPUSH', 'majors:list', 'x']);
      await expect(store.get('list')).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_REPLY',
        message: expect.stringMatching(/WRONGTYPE/),
      });
      await store.delete('a');
      expect(await store.get('a')).toBeUndefined();
      await store.close();
      expect(client.isOpen).toBe(false);
      await raw.close();
    });

    it('a password for a server that has none is reported over RESP2 (the README says how)', async () => {
      const url = `redis://:stray-secret@127.0.0.1:${server.port}`;
      const store = new RedisStore({ client: given(url, resp2), closeClient: true });
      await expect(store.ready()).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_REPLY',
        message: expect.stringMatching(/without any password configured/),
      });
      await store.close();
    });
  });
});
