import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isRedisStoreError, RedisStore } from '../src/index.js';
import { freeLoopbackPort, RedisServer } from './helpers/redis-server.js';
import { redisBinary, skipReason, startRedis } from './helpers/setup.js';

const HOUR = 3_600_000;
const FAST = { commandTimeout: 500, connectTimeout: 500 };

/** Polls until fn resolves (the store recovering by itself), failing after limitMs. */
async function eventually<T>(fn: () => Promise<T>, limitMs = 15_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(50);
    }
  }
}

/** Whether p settles within limitMs: a hang fails the assertion instead of the test timeout. */
async function settlesWithin(p: Promise<unknown>, limitMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), limitMs);
  });
  const settled = p.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The store must only ever fail with its own typed errors: anything else fails the test. */
function expectTyped(err: unknown): void {
  if (!isRedisStoreError(err)) throw err;
  expect(['ERR_REDIS_UNAVAILABLE', 'ERR_REDIS_TIMEOUT']).toContain(err.redisCode);
}

describe.skipIf(!redisBinary.found)(`RedisStore when Redis fails${skipReason}`, () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** The README's ACL line, as printed: a grant it lacks (or one a script stops needing) shows here. */
  function readmeAcl(): string {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('ACL SETUSER sessions '));
    if (line === undefined) throw new Error("the README's ACL SETUSER line is gone");
    return line;
  }

  /**
   * A Redis started with `args` (a `--requirepass` is used by the admin client too), holding
   * the README's ACL user `sessions` (password user-secret; no +select).
   */
  async function withSessionsUser(args: string[]) {
    const server = await startRedis(args);
    cleanup.push(() => server.dispose());
    const password = args[args.indexOf('--requirepass') + 1];
    const admin = createClient({
      url: args.includes('--requirepass')
        ? `redis://:${password}@127.0.0.1:${server.port}`
        : server.url,
    });
    await admin.connect();
    cleanup.push(() => admin.close());
    await admin.sendCommand(readmeAcl().replace('>CHANGE-ME', '>user-secret').split(' '));
    return { server, admin };
  }

  /** A store whose handshake Redis refuses: ready() fails saying `why`, and calls send nothing. */
  async function refusedHandshake(url: string, why: RegExp): Promise<string> {
    const store = new RedisStore({ url, ...FAST });
    cleanup.push(() => store.close());
    const err = await store.ready().catch((e: unknown) => e);
    expect(err).toMatchObject({
      redisCode: 'ERR_REDIS_REPLY',
      message: expect.stringMatching(why),
    });
    await expect(store.store('s', { n: 1 }, HOUR)).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_REPLY',
      message: expect.stringContaining('nothing was sent'),
    });
    await store.close();
    return (err as Error).message;
  }

  it('Redis down at start-up: ready() and calls fail fast with ERR_REDIS_UNAVAILABLE, then it connects by itself', {
    timeout: 30_000,
  }, async () => {
    const port = await freeLoopbackPort(); // nothing listens there
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, ...FAST });
    cleanup.push(() => store.close());

    const started = Date.now();
    const err = await store.ready().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000); // connectTimeout is 500 ms: no hang
    expect(isRedisStoreError(err, 'ERR_REDIS_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/within 500 ms.*ECONNREFUSED/);
    await expect(store.get('a')).rejects.toMatchObject({ redisCode: 'ERR_REDIS_UNAVAILABLE' });
    await expect(store.store('a', { a: 1 }, HOUR)).rejects.toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
    });

    if (!redisBinary.found) return;
    const server = await startOn(redisBinary.path, port);
    cleanup.push(() => server.dispose());
    await eventually(() => store.ready());
    await store.store('a', { a: 1 }, HOUR);
    expect(await store.get('a')).toEqual({ a: 1 });
  });

  it('ready() against a host that closes every connection fails at once, without claiming a wait', {
    timeout: 30_000,
  }, async () => {
    const closer = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => closer.close(() => resolve())));
    const address = closer.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeout: 10_000 });
    cleanup.push(() => store.close());

    const started = Date.now();
    const err = await store.ready().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000); // well before connectTimeout
    expect(isRedisStoreError(err, 'ERR_REDIS_UNAVAILABLE')).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(/^could not reach Redis: the connection failed after \d+ ms/);
    expect(message).not.toContain('10000 ms');
    expect(message.split('Socket closed unexpectedly').length - 1).toBe(1); // said once
  });

  it('a wrong password: the error says WRONGPASS, not only the NOAUTH it caused', {
    timeout: 30_000,
  }, async () => {
    const server = await startRedis(['--requirepass', 'right-password']);
    cleanup.push(() => server.dispose());
    const wrong = new RedisStore({
      url: `redis://:bad-secret-9f3@127.0.0.1:${server.port}`,
      ...FAST,
    });
    cleanup.push(() => wrong.close());
    const err = await wrong.ready().catch((e: unknown) => e);
    expect(isRedisStoreError(err)).toBe(true);
    expect((err as Error).message).toMatch(/NOAUTH.*last connection error: WRONGPASS/);
    expect((err as Error).message).not.toContain('bad-secret-9f3'); // never the password

    const right = new RedisStore({
      url: `redis://:right-password@127.0.0.1:${server.port}`,
      ...FAST,
    });
    cleanup.push(() => right.close());
    await right.ready();
  });

  it('a refused password on a Redis whose default user needs none fails typed: nothing runs as the default user', {
    timeout: 30_000,
  }, async () => {
    // A stock Redis (default user: no password, every right) with the README's ACL user. A
    // refused AUTH makes node-redis reconnect in a loop, yet run what was queued behind it.
    const { server, admin } = await withSessionsUser([]);
    for (const [url, why] of [
      [`redis://sessions:wrong-secret-7c1@127.0.0.1:${server.port}`, /WRONGPASS/],
      // A password for a server that has none configured.
      [`redis://:stray-secret-7c1@127.0.0.1:${server.port}`, /without any password configured/],
    ] as const) {
      expect(await refusedHandshake(url, why)).not.toContain('-7c1'); // never the password
    }
    expect(await admin.sendCommand(['DBSIZE'])).toBe(0);
    const right = new RedisStore({
      url: `redis://sessions:user-secret@127.0.0.1:${server.port}`,
      ...FAST,
    });
    cleanup.push(() => right.close());
    await right.store('s', { n: 1 }, HOUR);
    expect(await right.get('s')).toEqual({ n: 1 });
  });

  it("the README's ACL user may run every call, the scripts' commands included", {
    timeout: 30_000,
  }, async () => {
    const { server, admin } = await withSessionsUser([]);
    const store = new RedisStore<{ n: number }>({
      url: `redis://sessions:user-secret@127.0.0.1:${server.port}`,
      ...FAST,
    });
    cleanup.push(() => store.close());
    await store.ready();
    await store.store('s', { n: 1 }, HOUR);
    expect(await store.get('s')).toEqual({ n: 1 });
    expect(await store.touch('s', HOUR)).toBe(true);
    expect(await store.touch('missing', HOUR)).toBe(false);
    expect(await store.getAndSet('s', (data) => ({ n: (data?.n ?? 0) + 1 }), HOUR)).toEqual({
      n: 2,
    });
    expect(await store.deleteExpired()).toBe(0);
    await store.delete('s');
    expect(await store.get('s')).toBeUndefined();
    await admin.sendCommand(['SET', 'fmsess:empty', '']);
    await expect(store.touch('empty', HOUR)).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_CORRUPT_RECORD',
    });
  });

  it("a url's database that cannot be selected (no +select, or no such database) fails typed and writes nothing to database 0", {
    timeout: 30_000,
  }, async () => {
    const { server, admin } = await withSessionsUser(['--requirepass', 'admin-secret']);
    for (const [url, why] of [
      [`redis://sessions:user-secret@127.0.0.1:${server.port}/1`, /NOPERM.*'select'/],
      [`redis://:admin-secret@127.0.0.1:${server.port}/99`, /DB index is out of range/],
    ] as const) {
      expect(await refusedHandshake(url, why)).toContain('+select');
    }
    expect(await admin.sendCommand(['DBSIZE'])).toBe(0);
    // With +select the same user's sessions go to database 1.
    await admin.sendCommand(['ACL', 'SETUSER', 'sessions', '+select']);
    const granted = new RedisStore({
      url: `redis://sessions:user-secret@127.0.0.1:${server.port}/1`,
      ...FAST,
    });
    cleanup.push(() => granted.close());
    await granted.store('s', { n: 1 }, HOUR);
    expect(await granted.get('s')).toEqual({ n: 1 });
    expect(await admin.sendCommand(['DBSIZE'])).toBe(0);
  });

  /**
   * A store holding s = { n: 1 } in a new Redis, reached through a TCP proxy whose
   * connections can hang: kept open and taking bytes, but passing nothing on (a hung load
   * balancer, a path dropping packets without a reset). `freeze()` hangs the open ones.
   */
  async function storeBehindHangingProxy() {
    const server = await startRedis();
    cleanup.push(() => server.dispose());
    const port = server.port;
    const hung = new Set<Socket>();
    const all = new Set<Socket>();
    const state = { connections: 0 };
    const proxy = createServer((client) => {
      state.connections++;
      all.add(client);
      const upstream = connect(port, '127.0.0.1');
      client.on('data', (chunk) => hung.has(client) || upstream.write(chunk));
      upstream.on('data', (chunk) => hung.has(client) || client.write(chunk));
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        a.on('error', () => b.destroy());
        a.on('close', () => b.destroy());
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      for (const socket of all) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });
    const address = proxy.address();
    const proxyPort = typeof address === 'object' && address !== null ? address.port : 0;
    const freeze = () => {
      for (const socket of all) hung.add(socket);
    };
    const store = new RedisStore({ url: `redis://127.0.0.1:${proxyPort}`, ...FAST });
    cleanup.push(() => store.close());
    await store.store('s', { n: 1 }, HOUR);
    return { store, state, freeze };
  }

  it('a connection that stops answering (a hung proxy) is cut and made again after 5 s of silence', {
    timeout: 30_000,
  }, async () => {
    const { store, ...proxy } = await storeBehindHangingProxy();
    proxy.freeze();
    const frozenAt = Date.now();
    await expect(store.get('s')).rejects.toMatchObject({ redisCode: 'ERR_REDIS_TIMEOUT' });
    // Calls time out meanwhile; without the cut they would until TCP gives up, hours later.
    expect(await eventually(() => store.get('s'), 10_000)).toEqual({ n: 1 });
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(5_000);
    // One new connection, and it stays one: a cut that left node-redis a second reconnect
    // loop would open more (and keep the process alive after close()).
    await sleep(2_000);
    expect(await store.get('s')).toEqual({ n: 1 });
    expect(proxy.state.connections).toBe(2);
  });

  it('a Redis that stalls for less than the silence window keeps its connection: the commands in flight succeed', {
    timeout: 40_000,
  }, async () => {
    const server = await startRedis(['--enable-debug-command', 'yes']);
    cleanup.push(() => server.dispose());
    const admin = createClient({ url: server.url });
    await admin.connect();
    cleanup.push(() => admin.close());
    const store = new RedisStore({ url: server.url, ...FAST });
    cleanup.push(() => store.close());
    await store.store('s', { n: 0 }, HOUR);
    await sleep(5_200); // idle for longer than the silence window: that is no silence
    const before = Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
    const stall = admin.sendCommand(['DEBUG', 'SLEEP', '3']);
    // Calls made during the stall time out (500 ms deadlines), those made near its end succeed.
    const early = Array.from({ length: 4 }, (_, n) =>
      store.store(`early${n}`, { n }, HOUR).then(
        () => undefined,
        (err: unknown) => err,
      ),
    );
    await sleep(2_700);
    const late = Array.from({ length: 4 }, (_, n) => store.store(`late${n}`, { n }, HOUR));
    for (const err of await Promise.all(early)) {
      expect(err).toMatchObject({ redisCode: 'ERR_REDIS_TIMEOUT' });
    }
    await Promise.all(late);
    await stall;
    expect(await store.get('late3')).toEqual({ n: 3 });
    const after = Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
    expect(after).toBe(before); // not cut: no new connection
  });

  it('close() with Redis hung (SIGSTOP) resolves within about commandTimeout and cuts the connection', {
    timeout: 30_000,
  }, async () => {
    const server = await startRedis();
    cleanup.push(() => server.dispose());
    const store = new RedisStore({ url: server.url, ...FAST });
    cleanup.push(() => store.close());
    await store.store('s', { n: 1 }, HOUR);
    server.pause();
    cleanup.push(async () => server.resume());

    const inFlight = store.get('s').catch((e: unknown) => e);
    const started = Date.now();
    const closing = store.close();
    expect(store.close()).toBe(closing); // a second call shares the first one's work
    expect(await settlesWithin(closing, 5000)).toBe(true);
    await closing; // resolved, not rejected
    expect(Date.now() - started).toBeLessThan(3000); // commandTimeout is 500 ms
    expect(store.client.isOpen).toBe(false);
    expectTyped(await inFlight);
    await expect(store.get('s')).rejects.toMatchObject({ redisCode: 'ERR_REDIS_CLOSED' });
    await store.close(); // idempotent
  });

  it('close() with Redis hung: a given client is left alone, or cut in bounded time with closeClient', {
    timeout: 30_000,
  }, async () => {
    const server = await startRedis();
    cleanup.push(() => server.dispose());
    const given = (closeClient: boolean) => {
      const client = createClient({ url: server.url, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      const store = new RedisStore({ client, closeClient, ...FAST });
      cleanup.push(async () => {
        await store.close();
        if (client.isOpen) client.destroy();
      });
      return { client, store };
    };
    const kept = given(false);
    const cut = given(true);
    await Promise.all([kept.store.ready(), cut.store.ready()]);
    server.pause();
    cleanup.push(async () => server.resume());

    // A command in flight on each: the reply a plain client.close() would wait for.
    const inFlight = [kept.store.get('a'), cut.store.get('a')].map((p) =>
      p.catch((e: unknown) => e),
    );
    // Yours (the default): close() neither waits for nor touches it, as before.
    expect(await settlesWithin(kept.store.close(), 100)).toBe(true);
    expect(kept.client.isOpen).toBe(true);
    // closeClient: true: closed like the store's own client, so bounded too.
    const started = Date.now();
    expect(await settlesWithin(cut.store.close(), 5000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(cut.client.isOpen).toBe(false);
    for (const err of await Promise.all(inFlight)) expectTyped(err);
  });

  it('Redis restarted mid-run: calls fail with typed errors, then the same store recovers', {
    timeout: 30_000,
  }, async () => {
    const server = await startRedis();
    cleanup.push(() => server.dispose());
    const store = new RedisStore({ url: server.url, ...FAST });
    cleanup.push(() => store.close());
    await store.store('s', { n: 1 }, HOUR);

    await server.stop();
    const started = Date.now();
    const calls = [
      store.get('s'),
      store.store('s', { n: 2 }, HOUR),
      store.getAndSet('s', () => ({ n: 3 }), HOUR),
      store.touch('s', HOUR),
      store.delete('s'),
    ];
    for (const result of await Promise.allSettled(calls)) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') expectTyped(result.reason);
    }
    // Bounded by commandTimeout (500 ms); the limit is generous so that only a hang fails it.
    expect(Date.now() - started).toBeLessThan(5000);

    await server.start();
    await eventually(() => store.store('s', { n: 4 }, HOUR));
    expect(await store.get('s')).toEqual({ n: 4 });
    expect(await store.getAndSet('s', (cur) => ({ n: (cur?.n as number) + 1 }), HOUR)).toEqual({
      n: 5,
    });
  });

  it('a write that timed out while Redis was down is dropped, never replayed after the reconnect', {
    timeout: 30_000,
  }, async () => {
    const server = await startRedis();
    cleanup.push(() => server.dispose());
    const store = new RedisStore({ url: server.url, ...FAST });
    cleanup.push(() => store.close());
    await store.ready();
    await server.stop();
    // The client has noticed: the write goes into node-redis's offline queue.
    await eventually(async () => {
      if (store.client.isReady) throw new Error('the client has not seen the disconnect yet');
    });
    const err = await store.store('late', { stale: true }, HOUR).catch((e: unknown) => e);
    expect(isRedisStoreError(err, 'ERR_REDIS_UNAVAILABLE')).toBe(true);
    await server.start();
    await eventually(() => store.ready());
    await sleep(200); // room for a replay, if the queue still held the write
    expect(await store.get('late')).toBeUndefined();
  });

  it('Redis killed (SIGKILL) during getAndSet traffic: every session is whole, every acknowledged write kept', {
    timeout: 60_000,
  }, async () => {
    // appendfsync always: an acknowledged write is in the AOF before the reply is sent.
    const server = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    cleanup.push(() => server.dispose());
    const store = new RedisStore({ url: server.url, ...FAST });
    cleanup.push(() => store.close());
    await store.ready();

    // One sequential increment loop per session: each record carries n twice plus padding,
    // so a half-applied write would show as a != b or as an undecodable record.
    const ids = Array.from({ length: 8 }, (_, i) => `crash-${i}`);
    const acked = new Map(ids.map((id) => [id, 0]));
    const failed = new Map(ids.map((id) => [id, 0]));
    let running = true;
    const loops = ids.map(async (id) => {
      while (running) {
        try {
          await store.getAndSet(
            id,
            (cur) => {
              const n = ((cur?.a as number) ?? 0) + 1;
              return { a: n, pad: 'p'.repeat(2000 + n), b: n };
            },
            HOUR,
          );
          acked.set(id, (acked.get(id) ?? 0) + 1);
        } catch (err) {
          expectTyped(err);
          failed.set(id, (failed.get(id) ?? 0) + 1);
          await sleep(20);
        }
      }
    });
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

    await eventually(async () => {
      if (total(acked) < 200) throw new Error('warming up');
    });
    await server.kill();
    await eventually(async () => {
      if (ids.some((id) => (failed.get(id) ?? 0) === 0))
        throw new Error('not every loop has failed yet');
    });
    const ackedBeforeRestart = total(acked);
    await server.start();
    await eventually(async () => {
      if (total(acked) < ackedBeforeRestart + 100) throw new Error('not recovered yet');
    });
    running = false;
    await Promise.all(loops);

    for (const id of ids) {
      const data = await store.get(id);
      expect(data?.a).toBe(data?.b);
      expect(data?.pad).toBe('p'.repeat(2000 + (data?.a as number)));
      // Nothing acknowledged was lost; at most the writes whose outcome was unknown were added.
      expect(data?.a).toBeGreaterThanOrEqual(acked.get(id) ?? 0);
      expect(data?.a).toBeLessThanOrEqual((acked.get(id) ?? 0) + (failed.get(id) ?? 0));
    }
  });
});

/** A server on a given port (the "comes up later" case). */
async function startOn(bin: string, port: number): Promise<RedisServer> {
  return await RedisServer.startOnPort(bin, port);
}
