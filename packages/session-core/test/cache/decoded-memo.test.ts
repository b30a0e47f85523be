import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecodedMemo, NO_MEMO } from '../../src/cache/decoded-memo.js';
import { NOT_PLAIN, plainClone } from '../../src/cache/plain-clone.js';
import { codeOf, scratchDir } from './helpers.js';

const session = () => ({
  user: { id: 'u1', roles: ['reader', 'writer'] },
  at: new Date(1_700_000_000_000),
  cart: [{ sku: 'A', qty: 1 }, null, 2.5, 'x'],
  empty: {},
});

describe('plainClone', () => {
  it('deep-copies objects, arrays and Dates without sharing anything', () => {
    const value = session();
    const copy = plainClone(value) as ReturnType<typeof session>;
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.user).not.toBe(value.user);
    expect(copy.user.roles).not.toBe(value.user.roles);
    expect(copy.at).not.toBe(value.at);
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.cart[0]).not.toBe(value.cart[0]);
  });

  it('refuses what it cannot copy exactly, so the caller decodes instead', () => {
    expect(plainClone({ b: Buffer.from('x') })).toBe(NOT_PLAIN);
    expect(plainClone([new Map()])).toBe(NOT_PLAIN);
    expect(plainClone({ s: new Set([1]) })).toBe(NOT_PLAIN);
    expect(plainClone(JSON.parse('{"__proto__":{"polluted":true}}'))).toBe(NOT_PLAIN);
    expect(plainClone(Object.create(null))).toBe(NOT_PLAIN);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(plainClone(deep)).toBe(NOT_PLAIN);
  });
});

describe('DecodedMemo', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);

  it('keeps a value on its second sighting and hands out copies for equal bytes only', () => {
    const memo = new DecodedMemo(1024);
    const file = Buffer.from([9, 1, 2, 3, 9]);
    memo.offer('k', bytes(1, 2, 3), { n: 1 });
    expect(memo.lookup('k', file, 1, 4)).toBe(NO_MEMO); // seen once: not kept yet
    memo.offer('k', bytes(1, 2, 3), { n: 1 });
    const first = memo.lookup('k', file, 1, 4) as { n: number };
    expect(first).toEqual({ n: 1 });
    first.n = 99; // a caller's change must not reach the next reader
    expect(memo.lookup('k', file, 1, 4)).toEqual({ n: 1 });
    expect(memo.lookup('k', file, 0, 3)).toBe(NO_MEMO); // other bytes
    expect(memo.lookup('k', file, 1, 3)).toBe(NO_MEMO); // a prefix
    expect(memo.lookup('other', file, 1, 4)).toBe(NO_MEMO);
  });

  it('keeps a new version at once only for a key whose last version was read again', () => {
    const memo = new DecodedMemo(1024);
    const file = Buffer.from([7, 8]);
    memo.offer('hot', bytes(1), 'v1');
    memo.offer('hot', bytes(1), 'v1'); // read twice: a read-mostly key
    memo.offer('hot', bytes(7, 8), 'v2');
    expect(memo.lookup('hot', file, 0, 2)).toBe('v2');
    memo.offer('counter', bytes(1), 1); // read once, then changed
    memo.offer('counter', bytes(7, 8), 2);
    expect(memo.lookup('counter', file, 0, 2)).toBe(NO_MEMO);
  });

  it('forgets the oldest keys beyond its byte budget', () => {
    const memo = new DecodedMemo(64);
    const file = Buffer.from([1, 2, 3, 4]);
    for (const key of ['a', 'b']) {
      memo.offer(key, bytes(1, 2, 3, 4), key);
      memo.offer(key, bytes(1, 2, 3, 4), key);
    }
    for (let i = 0; i < 20; i++) memo.offer(`filler${i}`, bytes(1, 2, 3, 4), i);
    expect(memo.lookup('a', file, 0, 4)).toBe(NO_MEMO);
    memo.offer('b', bytes(1, 2, 3, 4), 'b');
    memo.offer('b', bytes(1, 2, 3, 4), 'b');
    expect(memo.lookup('b', file, 0, 4)).toBe('b');
  });
});

describe('the cache with its decode memo', () => {
  let t: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    t = scratchDir();
  });
  afterEach(() => t.cleanup());

  it('returns a new, equal object on every read, whatever the caller did to the last one', () => {
    const cache = t.open();
    cache.set('s', session());
    for (let i = 0; i < 5; i++) {
      const read = cache.get('s') as ReturnType<typeof session>;
      expect(read).toEqual(session());
      read.user.roles.push('admin');
      read.at.setTime(0);
    }
  });

  it('sees a same-length change written by another instance at once', () => {
    const reader = t.open();
    const writer = t.open();
    writer.set('s', { n: 'aaaa' });
    expect(reader.get('s')).toEqual({ n: 'aaaa' });
    expect(reader.get('s')).toEqual({ n: 'aaaa' }); // now kept
    writer.set('s', { n: 'bbbb' });
    expect(reader.get('s')).toEqual({ n: 'bbbb' });
    writer.delete('s');
    expect(reader.get('s')).toBeUndefined();
  });

  it('still decodes values it cannot copy, and the json codec uses it too', () => {
    const cbor = t.open();
    cbor.set('b', { buf: Buffer.from('abc') });
    for (let i = 0; i < 3; i++) expect(cbor.get('b')).toEqual({ buf: Buffer.from('abc') });
    const json = scratchDir();
    try {
      const cache = json.open({ codec: 'json' });
      cache.set('j', { a: [1, 'two'] });
      for (let i = 0; i < 3; i++) expect(cache.get('j')).toEqual({ a: [1, 'two'] });
    } finally {
      json.cleanup();
    }
  });

  it('can be turned off, and a bad size is a typed option error', () => {
    const cache = t.open({ decodeCache: 0 });
    cache.set('s', session());
    expect(cache.get('s')).toEqual(session());
    expect(codeOf(() => t.open({ decodeCache: -1 }))).toBe('ERR_FASTMMAP_INVALID_OPTION');
    expect(codeOf(() => t.open({ decodeCache: 1.5 }))).toBe('ERR_FASTMMAP_INVALID_OPTION');
  });
});
