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

  it('a reply that never comes is ERR_REDIS_TIMEOUT after commandTimeout', async () => {
    const client = fakeClient(() => undefined);
    client.sendCommand = () => new Promise(() => {}); // a hung server
    const store = new RedisStore({ client, commandTimeout: 20 });
    await expect(store.get('id')).rejects.toMatchObject({
      redisCode: 'ERR_REDIS_TIMEOUT',
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
    });
  });
});
