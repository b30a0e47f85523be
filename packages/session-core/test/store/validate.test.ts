import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertSupportedData,
  assertValidId,
  assertValidTtl,
  FastMmapStore,
  MemoryStore,
} from '../../src/index.js';

describe('assertSupportedData', () => {
  it('accepts JSON-like data, Dates, Maps, Sets, bigint, typed arrays and shared (acyclic) references', () => {
    const shared = { n: 1 };
    expect(() =>
      assertSupportedData({
        a: [shared, shared],
        when: new Date(),
        map: new Map([['k', { deep: new Set([1n]) }]]),
        bytes: new Uint8Array(2),
        buffer: Buffer.from('ab'),
        floats: new Float64Array(1),
        nothing: null,
        missing: undefined,
        bare: Object.create(null),
      }),
    ).not.toThrow();
  });

  it.each([
    ['a top-level array', [1]],
    ['a top-level Date', new Date()],
    ['null', null],
    ['a Map at the top', new Map()],
    ['a function inside a Map', { m: new Map([['f', () => 1]]) }],
    ['a symbol inside a Set', { s: new Set([Symbol('x')]) }],
    ['a RegExp', { r: /x/ }],
    // Subclasses come back as their base class (a Map subclass as an array of pairs).
    ['a Map subclass', { m: new (class Cart extends Map<string, number> {})([['sku', 2]]) }],
    ['a Set subclass', { s: new (class Tags extends Set {})() }],
    ['a Date subclass', { d: new (class When extends Date {})() }],
    ['an Array subclass', { a: new (class List extends Array {})() }],
    ['a Uint8Array subclass', { b: new (class Bytes extends Uint8Array {})(2) }],
    ['a DataView (it comes back as a Buffer)', { v: new DataView(new ArrayBuffer(2)) }],
    ['an Error', { e: new Error('x') }],
    ['a Promise', { p: Promise.resolve() }],
    ['a lone surrogate in a key', { '\uD800': 1 }],
    [
      'a cycle through an array',
      (() => {
        const a: unknown[] = [];
        a.push({ a });
        return { a };
      })(),
    ],
  ])('refuses %s with ERR_SESSION_UNSUPPORTED_DATA', (_, data) => {
    expect(() => assertSupportedData(data)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_UNSUPPORTED_DATA' }),
    );
  });

  it('turns what a getter of the data throws into ERR_SESSION_UNSUPPORTED_DATA, the original as cause', async () => {
    const thrown = new Error('not loaded yet');
    const data = {
      get lazy(): never {
        throw thrown;
      },
    };
    const expected = expect.objectContaining({
      name: 'SessionError',
      code: 'ERR_SESSION_UNSUPPORTED_DATA',
      cause: thrown,
    });
    expect(() => assertSupportedData(data)).toThrow(expected);
    // The stores refuse it the same way, and keep what they had.
    const store = new MemoryStore();
    await store.store('kept', { a: 1 }, 60_000);
    await expect(store.store('kept', data, 60_000)).rejects.toEqual(expected);
    // A Proxy passes the check but not v8's serializer, which MemoryStore copies with.
    await expect(store.store('kept', new Proxy({ a: 2 }, {}), 60_000)).rejects.toMatchObject({
      code: 'ERR_SESSION_UNSUPPORTED_DATA',
    });
    expect(await store.get('kept')).toEqual({ a: 1 });
  });

  it('names the path of the offending value', () => {
    expect(() => assertSupportedData({ user: { prefs: [1, () => 2] } })).toThrow(
      /data\.user\.prefs\[1\] is a function/,
    );
  });

  it('says what to store instead of a class instance (an ORM record, say)', () => {
    class User {
      id = 'u1';
    }
    class Doc {
      toJSON() {
        return { id: 'd1' };
      }
    }
    expect(() => assertSupportedData({ user: new User() })).toThrow(
      /data\.user is an instance of User, which a store cannot keep: store a plain object instead \(its id, or a copy of its fields\)/,
    );
    expect(() => assertSupportedData({ doc: new Doc() })).toThrow(/or what its toJSON\(\) returns/);
  });
});

describe('assertValidId / assertValidTtl', () => {
  it('bounds ids at 512 bytes of UTF-8, the same for every store', async () => {
    const invalid = expect.objectContaining({ code: 'ERR_SESSION_INVALID_ID' });
    expect(() => assertValidId('x'.repeat(512))).not.toThrow();
    expect(() => assertValidId('€'.repeat(170))).not.toThrow();
    for (const id of ['x'.repeat(513), '€'.repeat(171), '😀'.repeat(129)]) {
      expect(() => assertValidId(id)).toThrow(invalid);
    }
    // FastMmapStore keys hold 1 KiB of UTF-8: what passes here fits there.
    const dir = mkdtempSync(join(tmpdir(), 'fm-ids-'));
    const store = new FastMmapStore({ storage: join(dir, 's.fmcache'), numPages: 8 });
    try {
      for (const id of ['x'.repeat(512), '€'.repeat(170), '😀'.repeat(128)]) {
        await store.store(id, { ok: true }, 60_000);
        expect(await store.get(id)).toEqual({ ok: true });
      }
      await expect(store.get('€'.repeat(512))).rejects.toEqual(invalid);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts fractional ms but not 0', () => {
    expect(() => assertValidTtl(0.5)).not.toThrow();
    expect(() => assertValidTtl(0)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_INVALID_TTL' }),
    );
  });
});
