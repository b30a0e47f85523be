import { describe, expect, it } from 'vitest';
import { RedisStore, RedisStoreError, type RedisStoreErrorCode } from '../src/index.js';
import { buildRecord, decodeRecord, encodePayload, HEADER_LENGTH, newTag } from '../src/record.js';

// The record format and option checks: no Redis needed.
describe('record format', () => {
  it('has a fixed ASCII header the Lua scripts can patch: marker, codec, expiry, tag', () => {
    const tag = newTag();
    const bytes = buildRecord('json', encodePayload('json', { a: 1 }), 1_700_000_000_123, tag);
    expect(bytes.toString('latin1', 0, HEADER_LENGTH)).toBe(`fj001700000000123${tag}`);
    expect(bytes.toString('utf8', HEADER_LENGTH)).toBe('{"a":1}');
    expect(decodeRecord('k', bytes)).toEqual({ data: { a: 1 }, expiresAt: 1_700_000_000_123, tag });
  });

  it('round-trips cbor data with its types', () => {
    const data = { at: new Date(7), s: new Set([1]), n: 3n };
    const bytes = buildRecord('cbor', encodePayload('cbor', data), 1, newTag());
    expect(decodeRecord('k', bytes).data).toEqual(data);
  });

  it('tags are random 16-hex-digit strings', () => {
    const tags = new Set(Array.from({ length: 100 }, newTag));
    expect(tags.size).toBe(100);
    for (const tag of tags) expect(tag).toMatch(/^[0-9a-f]{16}$/);
  });

  it('anything else is ERR_REDIS_CORRUPT_RECORD', () => {
    const good = buildRecord('cbor', encodePayload('cbor', { a: 1 }), 1, newTag());
    const damaged = [
      Buffer.from('short'),
      Buffer.concat([Buffer.from('x'), good.subarray(1)]), // bad marker
      Buffer.concat([good.subarray(0, 1), Buffer.from('z'), good.subarray(2)]), // unknown codec
      Buffer.concat([good.subarray(0, 2), Buffer.from('abc'), good.subarray(5)]), // bad expiry
      Buffer.concat([good.subarray(0, HEADER_LENGTH), Buffer.from([0xff, 0xff])]), // bad cbor
      buildRecord('json', Buffer.from('[1,2]'), 1, newTag()), // not an object
      buildRecord('json', Buffer.from('null'), 1, newTag()),
    ];
    for (const bytes of damaged) {
      expect(() => decodeRecord('k', bytes)).toThrow(
        expect.objectContaining({ redisCode: 'ERR_REDIS_CORRUPT_RECORD' }),
      );
    }
  });
});

describe('RedisStore options', () => {
  it('rejects bad options with ERR_SESSION_OPTIONS before connecting', () => {
    const bad = [
      { url: 'redis://x', client: {} as never },
      { maxRetries: -1 },
      { maxRetries: 1.5 },
      { url: 42 as unknown as string },
      { client: 'redis://x' as never },
      { codec: 'xml' as 'json' },
      { commandTimeout: 0 },
      { connectTimeout: Number.NaN },
      { maxBytes: 10 },
      { prefix: 5 as unknown as string },
      { clock: 5 as unknown as () => number },
      { prefix: 'app\uD800:' }, // sent as 'app\uFFFD:', as 'app\uDC00:' would be
    ];
    for (const options of bad) {
      expect(() => new RedisStore(options)).toThrow(
        expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }),
      );
    }
  });
});

// What Express, Koa and Fastify answer with: 503 while Redis cannot serve, 500 for a session
// whose key holds something else (every retry fails the same way).
describe('RedisStoreError status', () => {
  it('is 503 for an outage or a refusal of the server, 500 for a key holding a foreign value', () => {
    const status = (code: RedisStoreErrorCode, cause?: Error) =>
      new RedisStoreError(code, 'x', { cause }).status;
    expect([
      status('ERR_REDIS_UNAVAILABLE'),
      status('ERR_REDIS_TIMEOUT'),
      status('ERR_REDIS_REPLY', new Error('OOM command not allowed')),
      status(
        'ERR_REDIS_REPLY',
        new Error('READONLY You can not write against a read only replica.'),
      ),
      status('ERR_REDIS_CORRUPT_RECORD'),
      status(
        'ERR_REDIS_REPLY',
        new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
      ),
      status('ERR_REDIS_TOO_LARGE'),
    ]).toEqual([503, 503, 503, 503, 500, 500, 500]);
  });
});
