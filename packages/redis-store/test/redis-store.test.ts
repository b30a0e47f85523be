import { inspect } from 'node:util';
import { isSessionError } from '@fastmmap/session-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedisStoreError, RedisStore } from '../src/index.js';
import type { RedisServer } from './helpers/redis-server.js';
import {
  manualClock,
  newStore,
  rawClient,
  redisBinary,
  skipReason,
  startRedis,
} from './helpers/setup.js';

const HOUR = 3_600_000;

describe.skipIf(!redisBinary.found)(`RedisStore against a real redis-server${skipReason}`, () => {
  let server: RedisServer;
  let raw: Awaited<ReturnType<typeof rawClient>>;
  const stores: RedisStore[] = [];
  const open = (options: Parameters<typeof newStore>[1] = {}) => {
    const store = newStore(server.url, options);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startRedis();
    raw = await rawClient(server.url);
  });

  afterAll(async () => {
    for (const store of stores) await store.close();
    await raw?.close();
    await server?.dispose();
  });

  describe('data round trip', () => {
    it('stores, reads and deletes', async () => {
      const store = open();
      expect(await store.get('abc')).toBeUndefined();
      await store.store('abc', { user: 'ann', n: 1 }, HOUR);
      expect(await store.get('abc')).toEqual({ user: 'ann', n: 1 });
      await store.delete('abc');
      expect(await store.get('abc')).toBeUndefined();
      await store.delete('abc'); // a missing one is not an error
    });

    it('keeps types with the default cbor codec', async () => {
      const store = open();
      const data = {
        at: new Date(1_234_567),
        tags: new Set(['a', 'b']),
        map: new Map<unknown, unknown>([
          ['k', 1],
          [2, 'two'],
        ]),
        big: 2n ** 70n,
        bytes: new Uint8Array([1, 2, 3]),
        nested: { list: [1, null, 'x'] },
      };
      await store.store('typed', data, HOUR);
      const back = await store.get('typed');
      expect(back).toEqual(data);
      expect(back?.at).toBeInstanceOf(Date);
      expect(back?.map).toBeInstanceOf(Map);
    });

    it('json codec stores readable JSON; Dates come back as strings', async () => {
      const store = open({ codec: 'json' });
      await store.store('j', { at: new Date(0), n: 2 }, HOUR);
      expect(await store.get('j')).toEqual({ at: '1970-01-01T00:00:00.000Z', n: 2 });
      const bytes = await raw.get(`${store.prefix}j`);
      expect(bytes?.slice(33)).toBe('{"at":"1970-01-01T00:00:00.000Z","n":2}');
    });

    it('json codec refuses what JSON would mangle silently, and keeps the stored session', async () => {
      const store = open({ codec: 'json' });
      await store.store('lossy', { keep: 'me' }, HOUR);
      const lossy: Record<string, unknown>[] = [
        { m: new Map([['a', 1]]) },
        { nested: { s: new Set([1]) } },
        { bytes: new Uint8Array([1, 2]) },
        { n: Number.NaN },
        { list: [1, Number.POSITIVE_INFINITY] },
        // Each of these has its own toJSON or array rule, which ran before the check saw it:
        { buf: Buffer.from([1, 2]) }, // became {"type":"Buffer","data":[1,2]}
        { nested: [{ buf: Buffer.alloc(0) }] },
        { at: new Date(Number.NaN) }, // became null
        { list: [1, undefined] }, // became [1,null]
        { holes: new Array<number>(2) }, // became [null,null]
      ];
      for (const data of lossy) {
        await expect(store.store('lossy', data, HOUR)).rejects.toMatchObject({
          code: 'ERR_SESSION_UNSUPPORTED_DATA',
        });
        await expect(store.getAndSet('lossy', () => data, HOUR)).rejects.toMatchObject({
          code: 'ERR_SESSION_UNSUPPORTED_DATA',
        });
      }
      expect(await store.get('lossy')).toEqual({ keep: 'me' });
      // The cbor codec keeps all of them (holes come back as undefined).
      const cbor = open();
      for (const data of lossy.slice(0, -1)) {
        await cbor.store('rich', data, HOUR);
        expect(await cbor.get('rich')).toEqual(data);
      }
    });

    it('json codec still writes what JSON keeps: valid Dates (as strings), undefined object values (dropped)', async () => {
      const store = open({ codec: 'json' });
      const data = { at: new Date(0), gone: undefined, list: [null, 'x', { d: new Date(1) }] };
      await store.store('kept', data, HOUR);
      expect(await store.get('kept')).toEqual({
        at: '1970-01-01T00:00:00.000Z',
        list: [null, 'x', { d: '1970-01-01T00:00:00.001Z' }],
      });
      const err = await store
        .store('kept', { list: [{ b: Buffer.from('x') }] }, HOUR)
        .catch((e: unknown) => e);
      expect((err as Error).message).toContain('the value of "b" is a Buffer');
    });

    it('reads records written with the other codec (codec can change on a live system)', async () => {
      const cbor = open();
      const json = new RedisStore({ url: server.url, prefix: cbor.prefix, codec: 'json' });
      stores.push(json);
      await cbor.store('c', { at: new Date(5) }, HOUR);
      await json.store('j', { n: 1 }, HOUR);
      expect(await json.get('c')).toEqual({ at: new Date(5) });
      expect(await cbor.get('j')).toEqual({ n: 1 });
    });

    it('returns a fresh object each time (no sharing with the caller)', async () => {
      const store = open();
      const data = { list: [1] };
      await store.store('fresh', data, HOUR);
      data.list.push(2);
      const a = await store.get('fresh');
      (a as { list: number[] }).list.push(3);
      expect(await store.get('fresh')).toEqual({ list: [1] });
    });

    it('uses the prefix for its keys', async () => {
      const store = open({ prefix: 'myapp:sess:' });
      await store.store('p1', { a: 1 }, HOUR);
      expect(await raw.exists('myapp:sess:p1')).toBe(1);
      await store.delete('p1');
    });
  });

  describe('expiry (injected clock, no sleeps)', () => {
    it('a record is gone once the clock reaches its expiry', async () => {
      const clock = manualClock();
      const store = open({ clock: clock.now });
      await store.store('e', { a: 1 }, 1000);
      clock.advance(999);
      expect(await store.get('e')).toEqual({ a: 1 });
      clock.advance(1);
      expect(await store.get('e')).toBeUndefined();
      // and every other path agrees
      expect(await store.touch('e', 1000)).toBe(false);
      expect(await store.getAndSet('e', (cur) => ({ seen: cur === undefined }), 1000)).toEqual({
        seen: true,
      });
    });

    it('Redis deletes the key itself a ttl after the write (PX), even with a clock in the past', async () => {
      const clock = manualClock(1_000_000); // 1970: a naive PXAT would delete the key at once
      const store = open({ clock: clock.now });
      await store.store('px', { a: 1 }, 60_000);
      const pttl = await raw.pTTL(`${store.prefix}px`);
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });

    it("keeps sessions written by a host whose real clock is behind Redis's by more than the ttl", async () => {
      // A clock wrong at boot, a VM resumed from suspend, an NTP step back on the app's host:
      // the store's default clock (Date.now) two hours behind the Redis server's.
      const realNow = Date.now;
      Date.now = () => realNow() - 2 * HOUR;
      try {
        const store = open();
        await store.store('behind', { a: 1 }, HOUR);
        expect(await store.get('behind')).toEqual({ a: 1 });
        await store.getAndSet('behind', (cur) => ({ ...cur, b: 2 }), HOUR);
        expect(await store.get('behind')).toEqual({ a: 1, b: 2 });
        expect(await store.touch('behind', HOUR)).toBe(true);
        const pttl = await raw.pTTL(`${store.prefix}behind`);
        expect(pttl).toBeGreaterThan(HOUR - 10_000);
        expect(pttl).toBeLessThanOrEqual(HOUR);
      } finally {
        Date.now = realNow;
      }
    });

    it('with the real clock the Redis deadline is the embedded expiry (clocks in step)', async () => {
      const store = open();
      const before = Date.now();
      await store.store('real', { a: 1 }, HOUR);
      const deadline = Number(await raw.sendCommand(['PEXPIRETIME', `${store.prefix}real`]));
      const header = Number(await raw.getRange(`${store.prefix}real`, 2, 16));
      expect(header).toBeGreaterThanOrEqual(before + HOUR);
      expect(header).toBeLessThanOrEqual(Date.now() + HOUR);
      // Redis counts the ttl from its own receipt of the command: the same instant, give or
      // take the round trip (and Redis's ms clock against ours).
      expect(Math.abs(deadline - header)).toBeLessThan(1_000);
    });

    it('touch moves the expiry, patches only the header and keeps the data bytes', async () => {
      const clock = manualClock();
      const store = open({ clock: clock.now });
      await store.store('t', { big: 'x'.repeat(1000) }, 1000);
      const key = `${store.prefix}t`;
      const before = await raw.get(key);
      clock.advance(900);
      expect(await store.touch('t', 1000)).toBe(true);
      const after = await raw.get(key);
      expect(after?.slice(33)).toBe(before?.slice(33)); // payload untouched
      expect(after?.slice(17, 33)).toBe(before?.slice(17, 33)); // write tag untouched
      expect(Number(after?.slice(2, 17))).toBe(clock.now() + 1000);
      clock.advance(999);
      expect(await store.get('t')).toEqual({ big: 'x'.repeat(1000) });
      clock.advance(1);
      expect(await store.get('t')).toBeUndefined();
    });

    it('touch of a missing session is false and creates nothing', async () => {
      const store = open();
      expect(await store.touch('nobody', 1000)).toBe(false);
      expect(await raw.exists(`${store.prefix}nobody`)).toBe(0);
    });

    it('a huge but finite ttl is accepted: expiry and Redis ttl are capped alike', async () => {
      const cap = 10 ** 15 - 1; // the record's 15 expiry digits
      for (const clock of [undefined, manualClock().now]) {
        const store = open({ clock });
        const key = `${store.prefix}huge`;
        // Redis's ttl runs to the capped expiry as the store's clock reads it (give or take
        // the round trip).
        const cappedTtl = async () => {
          const left = cap - (clock ?? Date.now)();
          expect(Math.abs(Number(await raw.pTTL(key)) - left)).toBeLessThan(1_000);
        };
        for (const ttl of [1e19, 1e21, Number.MAX_VALUE]) {
          await store.store('huge', { ttl }, ttl);
          expect(await store.get('huge')).toEqual({ ttl });
          await cappedTtl();
          expect(Number(await raw.getRange(key, 2, 16))).toBe(cap);
          expect(await store.touch('huge', ttl)).toBe(true);
          expect(await store.getAndSet('huge', () => ({ again: ttl }), ttl)).toEqual({
            again: ttl,
          });
          await cappedTtl();
        }
      }
    });

    it('refuses a clock reading it cannot write as an expiry, and writes nothing', async () => {
      let reading: unknown = 1_700_000_000_000;
      const store = open({ clock: () => reading as number });
      await store.store('kept', { n: 1 }, 1000);
      const key = `${store.prefix}kept`;
      const before = await raw.get(key);
      // NaN (a clock returning a Date or undefined) and negative readings were written as
      // "000000000000NaN" / "00000000-999000": every later read failed with a corrupt record.
      for (const bad of [Number.NaN, new Date(), undefined, -1_000_000, 10 ** 15, Infinity]) {
        reading = bad;
        const refused = expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' });
        await expect(store.store('new', { n: 2 }, 1000)).rejects.toThrow(refused);
        await expect(store.touch('kept', 1000)).rejects.toThrow(refused);
        await expect(store.get('kept')).rejects.toThrow(refused);
        await expect(store.getAndSet('kept', () => ({ n: 3 }), 1000)).rejects.toThrow(refused);
        await expect(store.getAndSet('new', () => ({ n: 3 }), 1000)).rejects.toThrow(refused);
      }
      expect(await raw.get(key)).toBe(before);
      expect(await raw.exists(`${store.prefix}new`)).toBe(0);
      reading = 1_700_000_000_999;
      expect(await store.get('kept')).toEqual({ n: 1 });
      reading = 1_700_000_001_000;
      expect(await store.get('kept')).toBeUndefined();
    });

    it('deleteExpired is a no-op that returns 0', async () => {
      const clock = manualClock();
      const store = open({ clock: clock.now });
      await store.store('x', { a: 1 }, 10);
      clock.advance(100);
      expect(await store.deleteExpired()).toBe(0);
    });
  });

  describe('getAndSet', () => {
    it('passes the current data (or undefined), writes and returns what fn returns', async () => {
      const store = open();
      const seen: unknown[] = [];
      const r1 = await store.getAndSet(
        'g',
        (cur) => {
          seen.push(cur);
          return { n: 1 };
        },
        HOUR,
      );
      const r2 = await store.getAndSet(
        'g',
        (cur) => {
          seen.push(cur);
          return { n: (cur?.n as number) + 1 };
        },
        HOUR,
      );
      expect(seen).toEqual([undefined, { n: 1 }]);
      expect([r1, r2]).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await store.get('g')).toEqual({ n: 2 });
    });

    it('fn returning undefined deletes', async () => {
      const store = open();
      await store.store('d', { a: 1 }, HOUR);
      expect(await store.getAndSet('d', () => undefined, HOUR)).toBeUndefined();
      expect(await raw.exists(`${store.prefix}d`)).toBe(0);
    });

    it('fn throwing writes nothing and rejects with its error', async () => {
      const store = open();
      await store.store('f', { a: 1 }, HOUR);
      await expect(
        store.getAndSet(
          'f',
          () => {
            throw new Error('nope');
          },
          HOUR,
        ),
      ).rejects.toThrow('nope');
      expect(await store.get('f')).toEqual({ a: 1 });
    });

    it('is atomic: 200 concurrent increments from 4 stores (4 connections) lose nothing', async () => {
      const prefix = open().prefix;
      const many = Array.from({ length: 4 }, () => {
        const s = new RedisStore({ url: server.url, prefix });
        stores.push(s);
        return s;
      });
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          many[i % 4]?.getAndSet('counter', (cur) => ({ n: ((cur?.n as number) ?? 0) + 1 }), HOUR),
        ),
      );
      expect(await many[0]?.get('counter')).toEqual({ n: 200 });
    });

    it('re-runs fn when another writer got in between, then succeeds', async () => {
      const store = open();
      await store.store('r', { n: 1 }, HOUR);
      let calls = 0;
      const result = await store.getAndSet(
        'r',
        (cur) => {
          calls++;
          // A write on the same connection is queued before our compare-and-set: a sure conflict.
          if (calls === 1)
            void store.client.sendCommand([
              'SETRANGE',
              `${store.prefix}r`,
              '17',
              'ffffffffffffffff',
            ]);
          return { n: (cur?.n as number) + 10 };
        },
        HOUR,
      );
      expect(calls).toBe(2);
      expect(result).toEqual({ n: 11 });
      expect(await store.get('r')).toEqual({ n: 11 });
    });

    it('gives up after maxRetries with ERR_REDIS_CONFLICT and writes nothing', async () => {
      const store = open({ maxRetries: 3 });
      await store.store('c', { n: 1 }, HOUR);
      let calls = 0;
      const err = await store
        .getAndSet(
          'c',
          () => {
            calls++;
            void store.client.sendCommand([
              'SETRANGE',
              `${store.prefix}c`,
              '17',
              calls.toString(16).padStart(16, '0'),
            ]);
            return { n: 999 };
          },
          HOUR,
        )
        .catch((e: unknown) => e);
      expect(isRedisStoreError(err, 'ERR_REDIS_CONFLICT')).toBe(true);
      expect((err as Error).message).not.toContain(`${store.prefix}c`);
      expect(isSessionError(err, 'ERR_SESSION_STORE_UNAVAILABLE')).toBe(true);
      expect(calls).toBe(4);
      expect(await store.get('c')).toEqual({ n: 1 });
    });

    it('without maxRetries, keeps retrying a session it keeps losing until commandTimeout', async () => {
      const store = open({ commandTimeout: 500 });
      await store.store('t', { n: 1 }, HOUR);
      let calls = 0;
      const started = performance.now();
      const err = await store
        .getAndSet(
          't',
          () => {
            calls++;
            void store.client.sendCommand([
              'SETRANGE',
              `${store.prefix}t`,
              '17',
              calls.toString(16).padStart(16, '0'),
            ]);
            return { n: 999 };
          },
          HOUR,
        )
        .catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(isRedisStoreError(err, 'ERR_REDIS_CONFLICT')).toBe(true);
      expect((err as Error).message).toMatch(/in 500 ms \(commandTimeout\); nothing was written$/);
      expect(calls).toBeGreaterThan(11); // the old limit was 10 retries
      expect(elapsed).toBeGreaterThanOrEqual(500);
      expect(elapsed).toBeLessThan(2500); // bounded: the last wait never passes the deadline
      expect(await store.get('t')).toEqual({ n: 1 });
    });
  });

  describe('bad input gets typed errors and loses nothing', () => {
    it('rejects bad ids', async () => {
      const store = open();
      for (const id of ['', 'a\uD800b', 'x'.repeat(513), 42 as unknown as string]) {
        await expect(store.get(id)).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID_ID' });
        await expect(store.store(id, {}, HOUR)).rejects.toMatchObject({
          code: 'ERR_SESSION_INVALID_ID',
        });
        await expect(store.delete(id)).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID_ID' });
        await expect(store.touch(id, HOUR)).rejects.toMatchObject({
          code: 'ERR_SESSION_INVALID_ID',
        });
        await expect(store.getAndSet(id, () => ({}), HOUR)).rejects.toMatchObject({
          code: 'ERR_SESSION_INVALID_ID',
        });
      }
    });

    it('rejects bad ttls', async () => {
      const store = open();
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.store('a', {}, ttl)).rejects.toMatchObject({
          code: 'ERR_SESSION_INVALID_TTL',
        });
        await expect(store.touch('a', ttl)).rejects.toMatchObject({
          code: 'ERR_SESSION_INVALID_TTL',
        });
      }
    });

    it('rejects unsupported data and keeps the old value', async () => {
      const store = open();
      await store.store('u', { ok: true }, HOUR);
      await expect(store.store('u', { f: () => 1 }, HOUR)).rejects.toMatchObject({
        code: 'ERR_SESSION_UNSUPPORTED_DATA',
      });
      await expect(store.getAndSet('u', () => ({ s: Symbol('x') }), HOUR)).rejects.toMatchObject({
        code: 'ERR_SESSION_UNSUPPORTED_DATA',
      });
      const json = open({ codec: 'json', prefix: store.prefix });
      await expect(json.store('u', { big: 1n }, HOUR)).rejects.toMatchObject({
        code: 'ERR_SESSION_UNSUPPORTED_DATA',
      });
      expect(await store.get('u')).toEqual({ ok: true });
    });

    it('rejects oversized sessions (maxBytes) and keeps the old value', async () => {
      const store = open({ maxBytes: 1000 });
      await store.store('big', { a: 'small' }, HOUR);
      const err = await store.store('big', { a: 'x'.repeat(1000) }, HOUR).catch((e: unknown) => e);
      expect(isRedisStoreError(err, 'ERR_REDIS_TOO_LARGE')).toBe(true);
      expect(isSessionError(err, 'ERR_SESSION_TOO_LARGE')).toBe(true);
      expect((err as Error).message).not.toContain('big'); // never the id: it is a credential
      await expect(
        store.getAndSet('big', () => ({ a: 'y'.repeat(2000) }), HOUR),
      ).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_TOO_LARGE',
      });
      expect(await store.get('big')).toEqual({ a: 'small' });
    });

    it('the default limit is 1 MiB', async () => {
      const store = open();
      await expect(store.store('huge', { a: 'x'.repeat(1024 * 1024) }, HOUR)).rejects.toMatchObject(
        {
          code: 'ERR_SESSION_TOO_LARGE',
        },
      );
      await store.store('huge', { a: 'x'.repeat(1024 * 1024 - 100) }, HOUR);
    });

    it('a foreign value under the prefix is ERR_REDIS_CORRUPT_RECORD, not a crash or a wrong session', async () => {
      const store = open();
      await raw.set(`${store.prefix}foreign`, 'hello');
      await raw.set(`${store.prefix}badcbor`, `fc${'0'.repeat(15)}${'a'.repeat(16)}\xff\xff`);
      await raw.hSet(`${store.prefix}hash`, 'f', 'v');
      const err = await store.get('foreign').catch((e: unknown) => e);
      expect(err).toMatchObject({ redisCode: 'ERR_REDIS_CORRUPT_RECORD' });
      expect((err as Error).message).not.toContain('foreign');
      await expect(store.get('badcbor')).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_CORRUPT_RECORD',
      });
      await expect(store.get('hash')).rejects.toMatchObject({ redisCode: 'ERR_REDIS_REPLY' });
      await expect(store.getAndSet('foreign', () => ({}), HOUR)).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_CORRUPT_RECORD',
      });
      expect(await raw.get(`${store.prefix}foreign`)).toBe('hello');
    });

    it('touch refuses a value whose header is not a record of this store, as get does (not "missing")', async () => {
      const store = open();
      const live = String(Date.now() + HOUR).padStart(15, '0');
      const values = {
        foreign: 'hello',
        empty: '',
        short: 'fc123',
        codec: `fx${live}${'a'.repeat(16)}{}`,
        expiry: `fc${'12345678901234x'}${'a'.repeat(16)}{}`,
      };
      for (const [id, value] of Object.entries(values)) {
        await raw.set(`${store.prefix}${id}`, value);
        const corrupt = { redisCode: 'ERR_REDIS_CORRUPT_RECORD' };
        await expect(store.get(id)).rejects.toMatchObject(corrupt);
        await expect(store.touch(id, HOUR)).rejects.toMatchObject(corrupt);
        expect(await raw.get(`${store.prefix}${id}`)).toBe(value); // left as it was
      }
    });
  });

  describe('options', () => {
    it('a malformed url is ERR_SESSION_OPTIONS with the password masked, not a TypeError', () => {
      const cases: Array<[string, RegExp]> = [
        [
          'redis://app:Secr3tPW@redis.internal:637900',
          /"redis:\/\/app:\*\*\*@redis.internal:637900" is not a valid URL: is the port above 65535/,
        ],
        [
          'http://app:Secr3tPW@redis.internal:6379',
          /has the protocol "http:"; it must be redis: or rediss:/,
        ],
        [
          'redis://Secr3tPW@redis.internal:6379/sessions',
          /"redis:\/\/\*\*\*@redis.internal:6379\/sessions" has a path that is not a database number/,
        ],
        [
          'redis://app:Secr3t/PW@redis.internal',
          /"redis:\/\/app:\*\*\*@redis.internal" is not a valid URL/,
        ],
        ['', /url "" is empty/], // an unset REDIS_URL: node-redis would quietly use localhost
        ['redis://', /names no host/], // the same quiet localhost
        ['redis:///0', /names no host/],
        // node-redis decodes the password: a stray % threw its bare URIError.
        ['redis://:50%offSecr3t@redis.internal', /'%' that does not start an escape/],
      ];
      for (const [url, message] of cases) {
        let err: unknown;
        try {
          new RedisStore({ url });
        } catch (e) {
          err = e;
        }
        expect(isSessionError(err, 'ERR_SESSION_OPTIONS')).toBe(true);
        expect((err as Error).message).toMatch(message);
        // Nowhere in the error: not its message, not a cause (node-redis's holds the url).
        expect((err as Error).cause).toBeUndefined();
        expect(inspect(err, { depth: 10 })).not.toContain('Secr3t');
      }
    });

    it('refuses a Redis Cluster client (createCluster()) up front', async () => {
      const { createCluster } = await import('redis');
      const cluster = createCluster({ rootNodes: [{ url: server.url }] });
      expect(() => new RedisStore({ client: cluster as never })).toThrow(
        expect.objectContaining({
          code: 'ERR_SESSION_OPTIONS',
          message: expect.stringMatching(
            /Redis Cluster client \(createCluster\(\)\) is not supported/,
          ),
        }),
      );
      expect(cluster.isOpen).toBe(false); // refused before anything connected it
    });

    it('refuses options it does not read: host and port point to url', () => {
      // Ignored, they would connect to the default 127.0.0.1:6379, another Redis perhaps.
      expect(() => new RedisStore({ host: 'redis.internal', port: 6380 } as never)).toThrow(
        expect.objectContaining({
          code: 'ERR_SESSION_OPTIONS',
          message: expect.stringMatching(/host: use url: redis:\/\/[\s\S]*port: use url/),
        }),
      );
    });
  });

  describe('client ownership and close', () => {
    it('connects a given unconnected client and leaves it open on close', async () => {
      const { createClient } = await import('redis');
      const client = createClient({ url: server.url });
      const store = new RedisStore({ client, prefix: 'own1:' });
      await store.store('a', { a: 1 }, HOUR);
      await store.close();
      expect(client.isReady).toBe(true);
      expect(await client.ping()).toBe('PONG');
      await client.close();
    });

    it('works over a RESP3 client too', async () => {
      const { createClient } = await import('redis');
      const client = createClient({ url: server.url, RESP: 3 });
      const store = new RedisStore({ client, prefix: 'resp3:', closeClient: true });
      await store.store('a', { at: new Date(1) }, HOUR);
      expect(await store.get('a')).toEqual({ at: new Date(1) });
      expect(await store.getAndSet('a', () => ({ n: 1 }), HOUR)).toEqual({ n: 1 });
      expect(await store.touch('a', HOUR)).toBe(true);
      await store.close();
    });

    it('never reopens a given client once its owner has closed it: ERR_REDIS_CLOSED', async () => {
      const { createClient } = await import('redis');
      // Who connects it: the owner before handing it over, the store (given closed), or the
      // owner after handing it over, before the store's first call.
      for (const connector of ['owner-before', 'store', 'owner-after'] as const) {
        const client = createClient({ url: server.url });
        if (connector === 'owner-before') await client.connect();
        const store = new RedisStore({ client, prefix: 'reopen:' });
        if (connector === 'owner-after') await client.connect();
        await store.store('a', { a: 1 }, HOUR); // given closed: the store connects it, once
        await client.close(); // the owner's shutdown
        const err = await store.get('a').catch((e: unknown) => e);
        expect(isRedisStoreError(err, 'ERR_REDIS_CLOSED')).toBe(true);
        expect((err as Error).message).toMatch(/does not reopen a client it was given/);
        // Reopened, it would keep the owner's process alive after their shutdown.
        expect(client.isOpen).toBe(false);
        await store.close();
        expect(client.isOpen).toBe(false);
      }
    });

    it('closes a given client when asked (closeClient)', async () => {
      const client = await rawClient(server.url);
      const store = new RedisStore({ client, closeClient: true });
      await store.ready();
      await store.close();
      expect(client.isOpen).toBe(false);
    });

    it('closes the client it created, even with closeClient: false (else the process hangs)', async () => {
      const store = new RedisStore({ url: server.url, closeClient: false });
      await store.ready();
      await store.close();
      expect(store.client.isOpen).toBe(false);
    });

    it('closes the client it created; close is idempotent; later calls are ERR_REDIS_CLOSED', async () => {
      const store = new RedisStore({ url: server.url });
      await store.ready();
      await store.close();
      await store.close();
      expect(store.client.isOpen).toBe(false);
      await expect(store.get('a')).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_CLOSED',
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
      });
    });
  });
});
