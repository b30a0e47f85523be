import { describe, expect, it } from 'vitest';
import { type RedisClientLike, RedisStore } from '../src/index.js';

// Errors as another copy of @redis/client would throw them: same class names, other classes.
class ErrorReply extends Error {}
class AbortError extends Error {}

/** A client that answers from a script of replies, ready from the start; no Redis needed. */
function fakeClient(
  reply: (args: readonly unknown[]) => unknown,
): RedisClientLike & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    isOpen: true,
    isReady: true,
    connect: async () => undefined,
    sendCommand: async <T>(args: readonly unknown[]) => {
      sent.push(String(args[0]));
      const out = reply(args);
      if (out instanceof Error) throw out;
      return out as T;
    },
    close: async () => undefined,
    destroy: () => undefined,
    on: () => undefined,
    off: () => undefined,
  };
}

describe('RedisStore error mapping (fake client)', () => {
  it('falls back from EVALSHA to EVAL on NOSCRIPT, even with a foreign ErrorReply class', async () => {
    const client = fakeClient((args) =>
      args[0] === 'EVALSHA' ? new ErrorReply('NOSCRIPT No matching script') : 1,
    );
    const store = new RedisStore({ client });
    expect(await store.touch('id', 1000)).toBe(true);
    expect(client.sent).toEqual(['EVALSHA', 'EVAL']);
  });

  it('a Redis error reply is ERR_REDIS_REPLY; an aborted command is ERR_REDIS_UNAVAILABLE', async () => {
    const store = new RedisStore({
      client: fakeClient((args) =>
        args[0] === 'GET'
          ? new ErrorReply('WRONGTYPE Operation against a key')
          : new AbortError('aborted'),
      ),
    });
    await expect(store.get('id')).rejects.toMatchObject({ redisCode: 'ERR_REDIS_REPLY' });
    await expect(store.delete('id')).rejects.toMatchObject({ redisCode: 'ERR_REDIS_UNAVAILABLE' });
  });

  it('an error without a message is named by its class (node-redis TimeoutError has none)', async () => {
    class TimeoutError extends Error {}
    const store = new RedisStore({ client: fakeClient(() => new TimeoutError()) });
    await expect(store.get('id')).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_UNAVAILABLE',
      message: 'Redis is unavailable (TimeoutError)',
    });
  });

  it("touch of a key of another type is a 500 on Redis 6.2 too, whose script errors start with 'ERR'", async () => {
    // What Redis before 7 answers when touch's GETRANGE meets a hash or a list.
    const redis6 =
      'ERR Error running script (call to f_08682eddf4c212b7971ae03bb4f1d46a0b1ef0e5): @user_script:2: WRONGTYPE Operation against a key holding the wrong kind of value';
    for (const message of [
      redis6,
      'WRONGTYPE Operation against a key holding the wrong kind of value script: 08682e, on @user_script:2.',
    ]) {
      const store = new RedisStore({ client: fakeClient(() => new ErrorReply(message)) });
      await expect(store.touch('id', 1000)).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_REPLY',
        status: 500,
      });
    }
  });

  it('a connection that breaks is ERR_REDIS_UNAVAILABLE; for a write, the message says it may have applied', async () => {
    const store = new RedisStore({ client: fakeClient(() => new Error('read ECONNRESET')) });
    await expect(store.get('id')).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_UNAVAILABLE',
      message: 'Redis is unavailable (read ECONNRESET)',
    });
    await expect(store.delete('id')).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_UNAVAILABLE',
      message:
        'Redis is unavailable (read ECONNRESET); DEL may or may not have been applied, if it was sent before the connection failed',
    });
  });

  it('a server still loading its dataset (LOADING) is ERR_REDIS_UNAVAILABLE, not a refusal', async () => {
    const store = new RedisStore({
      client: fakeClient(() => new ErrorReply('LOADING Redis is loading the dataset in memory')),
    });
    await expect(store.get('id')).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_UNAVAILABLE',
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      message: expect.stringMatching(/^Redis is not ready for GET: LOADING/),
    });
  });

  it('a reply that never comes is ERR_REDIS_TIMEOUT after commandTimeout; only a write may have applied', async () => {
    const client = fakeClient(() => undefined);
    client.sendCommand = () => new Promise(() => {}); // a hung server
    const store = new RedisStore({ client, commandTimeout: 20, connectTimeout: 20 });
    const read = await store.get('id').catch((e: unknown) => e);
    expect(read).toMatchObject({
      redisCode: 'ERR_REDIS_TIMEOUT',
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      message: 'Redis did not answer GET within 20 ms (commandTimeout; connectTimeout for ready())',
    });
    await expect(store.ready()).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_TIMEOUT',
      message: expect.not.stringContaining('applied'),
    });
    for (const write of [store.store('id', {}, 1000), store.delete('id'), store.touch('id', 1)]) {
      await expect(write).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_TIMEOUT',
        message: expect.stringMatching(/; it may or may not have been applied$/),
      });
    }
  });

  it('getAndSet calls queued behind a hung one give up within commandTimeout too', async () => {
    const client = fakeClient(() => undefined);
    client.sendCommand = (args) => {
      client.sent.push(String(args[0]));
      return new Promise(() => {}); // a hung server
    };
    const store = new RedisStore({ client, commandTimeout: 200 });
    const started = performance.now();
    const errors = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.getAndSet('id', () => ({}), 1000).catch((e: unknown) => e),
      ),
    );
    // One at a time they would take 5 x 200 ms; each is bounded by its own commandTimeout.
    expect(performance.now() - started).toBeLessThan(700);
    expect(errors[0]).toMatchObject({ redisCode: 'ERR_REDIS_TIMEOUT' });
    // The next in line may get its turn just before its own deadline (then it sends its GET
    // and times out too); the others give up waiting, having sent nothing.
    const waited = errors.filter((err) =>
      /^getAndSet was not sent: it waited 200 ms \(commandTimeout\) for earlier/.test(
        (err as Error).message,
      ),
    );
    // Not a conflict: nobody else wrote; Redis did not answer the calls ahead of them.
    for (const err of waited) expect(err).toMatchObject({ redisCode: 'ERR_REDIS_UNAVAILABLE' });
    expect(waited.length).toBeGreaterThanOrEqual(3);
    expect(client.sent).toEqual(Array(5 - waited.length).fill('GET'));
  });

  it('MOVED, ASK and CLUSTERDOWN replies say that Redis Cluster is not supported', async () => {
    for (const reply of [
      'MOVED 3999 127.0.0.1:6381',
      'ASK 3999 127.0.0.1:6381',
      'CLUSTERDOWN Hash slot not served',
    ]) {
      const store = new RedisStore({ client: fakeClient(() => new ErrorReply(reply)) });
      await expect(store.get('id')).rejects.toMatchObject({
        redisCode: 'ERR_REDIS_REPLY',
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        message: `Redis refused GET: ${reply}; this Redis is a node of a Redis Cluster, which RedisStore does not support: use a standalone Redis (or a primary with replicas)`,
      });
    }
  });
});
