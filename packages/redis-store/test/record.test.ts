import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
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
    ];
    for (const options of bad) {
      expect(() => new RedisStore(options)).toThrow(
        expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }),
      );
    }
  });
});
