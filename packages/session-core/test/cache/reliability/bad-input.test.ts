// Bad input at the API: every refusal is a typed FastMmapError, the value already stored under
// the key is still there afterwards, and the page lock is free again (checked through a second
// instance, whose flock is separate: the same instance would be granted its own lock again).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FastMmapCache,
  type FastMmapErrorCode,
  isFastMmapError,
} from '../../../dist/cache/index.js';
import { maxRecordSize, RECORD_HEADER_SIZE } from '../../../dist/cache/layout.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

const PAGE_SIZE = 8192;
const GEOMETRY = { pageSize: PAGE_SIZE, numPages: 4, lockStripes: 2 };

let dir: string;
const opened: FastMmapCache<unknown>[] = [];
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  removeTempDir(dir);
});

function open<V>(codec: 'raw' | 'json' | 'cbor', name = 'bad-input'): FastMmapCache<V> {
  const cache = FastMmapCache.open<V>({
    ...GEOMETRY,
    codec,
    path: join(dir, `${name}-${codec}.fmcache`),
    lockTimeout: 200,
  });
  opened.push(cache as FastMmapCache<unknown>);
  return cache;
}

/** Calls fn and returns the FastMmapError code it threw; fails on success or any other error. */
function codeOf(fn: () => unknown): FastMmapErrorCode {
  try {
    fn();
  } catch (err) {
    if (isFastMmapError(err)) return err.code;
    throw new Error(`expected a FastMmapError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a FastMmapError, but the call succeeded');
}

/** A second instance on the same file: its write must not wait for a lock left held. */
function expectLockFree(
  cache: FastMmapCache<unknown>,
  codec: 'raw' | 'json' | 'cbor',
  key: string,
  value: unknown,
) {
  const other = FastMmapCache.open({ ...GEOMETRY, codec, path: cache.path, lockTimeout: 50 });
  try {
    other.set(key, value);
  } finally {
    other.close();
  }
}

describe('values', () => {
  it('a value too large for a page: ERR_FASTMMAP_VALUE_TOO_LARGE, the old value stays (set and getAndSet)', () => {
    const cache = open<Buffer>('raw');
    // The largest value that fits (key 'k' is 1 byte) is the old value.
    const largest = maxRecordSize(PAGE_SIZE) - RECORD_HEADER_SIZE - 1;
    const old = Buffer.alloc(largest, 1);
    cache.set('k', old);
    expect(codeOf(() => cache.set('k', Buffer.alloc(largest + 1, 2)))).toBe(
      'ERR_FASTMMAP_VALUE_TOO_LARGE',
    );
    expect(codeOf(() => cache.set('k', Buffer.alloc(10 * PAGE_SIZE)))).toBe(
      'ERR_FASTMMAP_VALUE_TOO_LARGE',
    );
    expect(codeOf(() => cache.getAndSet('k', () => Buffer.alloc(largest + 1)))).toBe(
      'ERR_FASTMMAP_VALUE_TOO_LARGE',
    );
    expect(cache.get('k')).toEqual(old);
    expectLockFree(cache as FastMmapCache<unknown>, 'raw', 'k2', Buffer.from('x'));
  });

  it('json: a function, a symbol, a circular structure, a BigInt, undefined: ERR_FASTMMAP_ENCODE, old value stays', () => {
    const cache = open<unknown>('json');
    cache.set('k', { user: 'ann' });
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    for (const bad of [() => 1, Symbol('s'), circular, 10n, undefined]) {
      expect(codeOf(() => cache.set('k', bad))).toBe('ERR_FASTMMAP_ENCODE');
      expect(codeOf(() => cache.getAndSet('k', () => bad ?? circular))).toBe('ERR_FASTMMAP_ENCODE');
    }
    expect(cache.get('k')).toEqual({ user: 'ann' });
    expectLockFree(cache as FastMmapCache<unknown>, 'json', 'k2', 1);
  });

  it('cbor: a function, a symbol, a circular structure: ERR_FASTMMAP_ENCODE, old value stays', () => {
    const cache = open<unknown>('cbor');
    cache.set('k', { user: 'bob', at: new Date(0) });
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    for (const bad of [() => 1, Symbol('s'), { nested: () => 1 }, circular]) {
      expect(codeOf(() => cache.set('k', bad))).toBe('ERR_FASTMMAP_ENCODE');
    }
    expect(cache.get('k')).toEqual({ user: 'bob', at: new Date(0) });
  });

  it('raw: anything but bytes: ERR_FASTMMAP_ENCODE, old value stays', () => {
    const cache = open<unknown>('raw');
    cache.set('k', Buffer.from('bytes'));
    for (const bad of ['a string', 42, { a: 1 }, null])
      expect(codeOf(() => cache.set('k', bad))).toBe('ERR_FASTMMAP_ENCODE');
    expect(cache.get('k')).toEqual(Buffer.from('bytes'));
  });

  it('a ttl that is negative, NaN, infinite or not a number: ERR_FASTMMAP_INVALID_OPTION, old value stays', () => {
    const cache = open<unknown>('json');
    cache.set('k', 1);
    for (const ttl of [-1, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      expect(codeOf(() => cache.set('k', 2, { ttl }))).toBe('ERR_FASTMMAP_INVALID_OPTION');
      expect(codeOf(() => cache.touch('k', { ttl }))).toBe('ERR_FASTMMAP_INVALID_OPTION');
    }
    expect(cache.getEntry('k')).toMatchObject({ value: 1, expiresAt: 0 });
  });
});

describe('keys', () => {
  const badKeys: [string, unknown][] = [
    ['empty', ''],
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate inside', 'sess:a\uDFFFb'],
    ['1025 ASCII characters', 'x'.repeat(1025)],
    ['1026 UTF-8 bytes in 513 characters', 'é'.repeat(513)],
    ['a number', 123],
    ['undefined', undefined],
  ];
  for (const [name, key] of badKeys) {
    it(`${name}: ERR_FASTMMAP_INVALID_KEY from every method, nothing stored`, () => {
      const cache = open<unknown>('json');
      cache.set('k', 'kept');
      const k = key as string;
      const calls: [string, () => unknown][] = [
        ['set', () => cache.set(k, 1)],
        ['get', () => cache.get(k)],
        ['getEntry', () => cache.getEntry(k)],
        ['has', () => cache.has(k)],
        ['delete', () => cache.delete(k)],
        ['getAndSet', () => cache.getAndSet(k, () => 1)],
        ['getAndDelete', () => cache.getAndDelete(k)],
        ['touch', () => cache.touch(k)],
      ];
      for (const [method, call] of calls)
        expect([method, codeOf(call)]).toEqual([method, 'ERR_FASTMMAP_INVALID_KEY']);
      expect([...cache.keys()]).toEqual(['k']);
      expect(cache.get('k')).toBe('kept');
    });
  }

  it('undefined as a key is refused even right after another refused key (never reaches the last key used)', () => {
    // prepareKey() caches the last key; a refused key resets that cache to undefined, which must
    // not make an undefined key look like "the same key as last time".
    const cache = open<unknown>('json');
    expect(codeOf(() => cache.set(undefined as unknown as string, 'fresh'))).toBe(
      'ERR_FASTMMAP_INVALID_KEY',
    );
    cache.set('alice', 'alice-session');
    expect(codeOf(() => cache.get(''))).toBe('ERR_FASTMMAP_INVALID_KEY');
    expect(codeOf(() => cache.get(undefined as unknown as string))).toBe(
      'ERR_FASTMMAP_INVALID_KEY',
    );
    expect(codeOf(() => cache.set(undefined as unknown as string, 'mallory'))).toBe(
      'ERR_FASTMMAP_INVALID_KEY',
    );
    expect(cache.get('alice')).toBe('alice-session');
    expect([...cache.keys()]).toEqual(['alice']);
  });

  it('keys at the limit work, and U+FFFD never collides with a rejected lone surrogate', () => {
    const cache = open<unknown>('json');
    cache.set('a'.repeat(1024), 'ascii');
    cache.set('é'.repeat(512), 'two-byte');
    cache.set('\uFFFD', 'replacement char');
    expect(codeOf(() => cache.get('\uD800'))).toBe('ERR_FASTMMAP_INVALID_KEY');
    expect(cache.get('a'.repeat(1024))).toBe('ascii');
    expect(cache.get('é'.repeat(512))).toBe('two-byte');
    expect(cache.get('\uFFFD')).toBe('replacement char');
  });
});

describe('getAndSet callbacks', () => {
  it('a callback that throws: its error propagates, the old value stays, the lock is released', () => {
    const cache = open<unknown>('json');
    cache.set('k', 'old');
    const boom = new Error('boom');
    expect(() =>
      cache.getAndSet('k', () => {
        throw boom;
      }),
    ).toThrow(boom);
    expect(cache.get('k')).toBe('old');
    expectLockFree(cache as FastMmapCache<unknown>, 'json', 'k', 'new');
    expect(cache.get('k')).toBe('new');
  });

  it('a callback that returns a Promise: a typed error, the old value stays', () => {
    const cache = open<unknown>('json');
    cache.set('k', 'old');
    expect(codeOf(() => cache.getAndSet('k', async () => 'new'))).toBe('ERR_FASTMMAP_ENCODE');
    expect(cache.get('k')).toBe('old');
    expectLockFree(cache as FastMmapCache<unknown>, 'json', 'other', 1);
  });

  it('a cache call from inside the callback: ERR_FASTMMAP_REENTRANT, the old value stays, no deadlock', () => {
    const cache = open<unknown>('json');
    const other = open<unknown>('json', 'second-file');
    cache.set('k', 'old');
    expect(codeOf(() => cache.getAndSet('k', () => cache.get('k')))).toBe('ERR_FASTMMAP_REENTRANT');
    // Also through another instance (another file): it would wait on a lock of this thread.
    expect(codeOf(() => cache.getAndSet('k', () => other.set('x', 1)))).toBe(
      'ERR_FASTMMAP_REENTRANT',
    );
    expect(cache.get('k')).toBe('old');
    expectLockFree(cache as FastMmapCache<unknown>, 'json', 'k', 'new');
  });
});

describe('after close', () => {
  it('close() is idempotent and every later call is ERR_FASTMMAP_CLOSED', () => {
    const cache = FastMmapCache.open<unknown>({
      ...GEOMETRY,
      codec: 'json',
      path: join(dir, 'closed.fmcache'),
    });
    cache.set('k', 1);
    cache.close();
    cache.close();
    const calls: (() => unknown)[] = [
      () => cache.get('k'),
      () => cache.set('k', 2),
      () => cache.has('k'),
      () => cache.delete('k'),
      () => cache.getAndSet('k', () => 3),
      () => cache.purge(),
      () => cache.clear(),
      () => [...cache.keys()],
      () => cache.stats(),
    ];
    for (const call of calls) expect(codeOf(call)).toBe('ERR_FASTMMAP_CLOSED');
    const again = FastMmapCache.open<unknown>({
      ...GEOMETRY,
      codec: 'json',
      path: join(dir, 'closed.fmcache'),
    });
    opened.push(again);
    expect(again.get('k')).toBe(1);
  });
});
