import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFastMmapError } from '../../src/cache/index.js';
import { codeOf, manualClock, SMALL, scratchDir } from './helpers.js';

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

describe('get / set / has / delete', () => {
  it('round-trips CBOR values of many types', () => {
    const cache = t.open();
    const values: unknown[] = [
      { user: 'u1', roles: ['a', 'b'], nested: { n: 1.5, ok: true, nothing: null } },
      'text with ünïcødé 🎉',
      42,
      -0.25,
      [1, [2, [3]]],
      true,
      null,
      new Date(1_700_000_000_000),
      2n ** 70n,
    ];
    for (const [i, v] of values.entries()) cache.set(`k${i}`, v);
    for (const [i, v] of values.entries()) expect(cache.get(`k${i}`)).toEqual(v);
  });

  it('returns undefined for a missing key and overwrites on set', () => {
    const cache = t.open();
    expect(cache.get('missing')).toBeUndefined();
    cache.set('k', 1);
    cache.set('k', 2);
    expect(cache.get('k')).toBe(2);
    expect(cache.stats().items).toBe(1);
  });

  it('has() reports live keys without counting hits or misses', () => {
    const cache = t.open();
    cache.set('k', 'v');
    expect(cache.has('k')).toBe(true);
    expect(cache.has('nope')).toBe(false);
    const s = cache.stats();
    expect(s.hits + s.misses).toBe(0);
  });

  it('delete() says whether the key existed', () => {
    const cache = t.open();
    cache.set('k', 'v');
    expect(cache.delete('k')).toBe(true);
    expect(cache.delete('k')).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.stats().deletes).toBe(1);
  });

  it('refuses to store undefined (it could not be told from a miss)', () => {
    const cache = t.open();
    cache.set('k', 'old');
    expect(codeOf(() => cache.set('k', undefined))).toBe('ERR_FASTMMAP_ENCODE');
    expect(cache.get('k')).toBe('old');
  });

  it('decoded byte strings never alias the shared mapping', () => {
    const cache = t.open<{ token: Uint8Array }>();
    cache.set('k', { token: Buffer.from('secret-A') });
    const first = cache.get('k')!;
    cache.set('k', { token: Buffer.from('BBBBBBBB') });
    cache.clear();
    expect(Buffer.from(first.token).toString()).toBe('secret-A');
  });

  it('typed arrays and buffers decoded by CBOR are copies, not views of the mapping', () => {
    const cache = t.open();
    cache.set('k', {
      u16: new Uint16Array([1, 2, 3]),
      f64: new Float64Array([1.5]),
      buf: Buffer.from('x'),
    });
    const got = cache.get('k') as Record<string, ArrayBufferView>;
    const mapping = (cache as unknown as { store: { map: Buffer } }).store.map.buffer;
    expect(Object.values(got).map((v) => v.buffer === mapping)).toEqual([false, false, false]);
    expect([...(got.u16 as Uint16Array)]).toEqual([1, 2, 3]);
  });

  it('getEntry() returns the value with its expiry and last access', () => {
    const clock = manualClock();
    const cache = t.open({ clock: clock.fn });
    cache.set('k', 'v', { ttl: 5000 });
    const entry = cache.getEntry('k');
    expect(entry).toEqual({
      value: 'v',
      expiresAt: clock.now + 5000,
      lastAccess: Math.floor(clock.now / 1000) * 1000,
    });
    expect(cache.getEntry('missing')).toBeUndefined();
  });

  it('refuses set options that are not an object (a ttl passed as a bare number), storing nothing', () => {
    const cache = t.open();
    cache.set('k', 'kept');
    for (const options of [5000, null, 'ttl']) {
      expect(() => cache.set('k', 'v', options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_FASTMMAP_INVALID_OPTION' }),
      );
    }
    expect(cache.get('k')).toBe('kept');
  });

  it('two instances on one path (one process) share entries', () => {
    const a = t.open();
    const b = t.open();
    a.set('k', { from: 'a' });
    expect(b.get('k')).toEqual({ from: 'a' });
    b.delete('k');
    expect(a.has('k')).toBe(false);
  });
});

describe('getAndSet / getAndDelete / touch', () => {
  it('passes the current value and stores the result', () => {
    const cache = t.open<number>();
    expect(cache.getAndSet('n', (v) => (v ?? 0) + 1)).toBe(1);
    expect(cache.getAndSet('n', (v) => (v ?? 0) + 1)).toBe(2);
    expect(cache.get('n')).toBe(2);
  });

  it('deletes the key when the callback returns undefined', () => {
    const cache = t.open<number>();
    cache.set('n', 5);
    expect(cache.getAndSet('n', () => undefined)).toBeUndefined();
    expect(cache.has('n')).toBe(false);
    expect(cache.getAndSet('never', () => undefined)).toBeUndefined();
  });

  it('keeps the old value and releases the lock when the callback throws', () => {
    const cache = t.open<number>({ lockTimeout: 50 });
    cache.set('n', 5);
    expect(() =>
      cache.getAndSet('n', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(cache.get('n')).toBe(5);
    // Another instance gets the page lock at once: the throw released it.
    const other = t.open<number>({ lockTimeout: 50 });
    expect(other.getAndSet('n', (v) => v! + 1)).toBe(6);
  });

  it('rejects a callback that returns a Promise, keeping the old value', () => {
    const cache = t.open<unknown>();
    cache.set('n', 5);
    expect(codeOf(() => cache.getAndSet('n', async () => 6))).toBe('ERR_FASTMMAP_ENCODE');
    expect(cache.get('n')).toBe(5);
  });

  it('refuses re-entrant calls from the callback, on any instance in the thread', () => {
    const cache = t.open<number>();
    const other = t.open<number>();
    cache.set('n', 1);
    expect(codeOf(() => cache.getAndSet('n', () => cache.get('n')))).toBe('ERR_FASTMMAP_REENTRANT');
    const usesOther = () => {
      other.set('x', 1);
      return 2;
    };
    expect(codeOf(() => cache.getAndSet('n', usesOther))).toBe('ERR_FASTMMAP_REENTRANT');
    expect(cache.get('n')).toBe(1);
    expect(other.has('x')).toBe(false);
  });

  it('a clock or a ttl getter that uses the cache: every call still acts on its own key', () => {
    // They ran after the key was prepared (in the buffer a nested call reuses), and a set's
    // ttl getter after the value was encoded (into the buffer a nested set reuses): a get
    // returned another key's value, a getAndSet changed another key, a set stored garbage.
    let nested: (() => unknown) | undefined;
    let inside = false; // the nested call reads the clock too
    const cache = t.open<unknown>({
      clock: () => {
        if (nested !== undefined && !inside) {
          inside = true;
          nested();
          inside = false;
        }
        return Date.UTC(2026, 0, 1);
      },
    });
    cache.set('a', 'value-a');
    cache.set('b', 'value-b');
    nested = () => cache.get('b');
    expect(cache.get('a')).toBe('value-a');
    expect(cache.getEntry('a')?.value).toBe('value-a');
    expect(cache.getAndSet('a', (v) => `${v}+1`)).toBe('value-a+1');
    expect(cache.touch('a', { ttl: 60_000 })).toBe(true);
    expect(cache.getAndDelete('a')).toBe('value-a+1');
    nested = undefined;
    expect(cache.get('b')).toBe('value-b');
    const ttl = {
      get ttl() {
        cache.set('f', { w: 'f'.repeat(40) });
        return 60_000;
      },
    };
    cache.set('e', { v: 'e'.repeat(20) }, ttl);
    expect(cache.get('e')).toEqual({ v: 'e'.repeat(20) });
    expect(cache.get('f')).toEqual({ w: 'f'.repeat(40) });
  });

  it("a custom codec's decode that uses the cache: the read still answers for its own key", () => {
    // The lock-free read takes no lock, so such a call is not refused; it prepared its own key
    // in the buffer, and the read's retry (a write got in) or locked fallback (the decode threw)
    // looked that key up: get('a') returned b's value.
    let nested: (() => void) | undefined;
    const codec = {
      name: 'nested-text',
      encode: (value: unknown) => Buffer.from(String(value)),
      decode: (bytes: Uint8Array) => {
        const call = nested;
        nested = undefined;
        call?.();
        return Buffer.from(bytes).toString();
      },
    };
    const cache = t.open<string>({ numPages: 1, codec });
    cache.set('a', 'a-value');
    cache.set('b', 'b-value');
    nested = () => cache.set('b', 'b-changed'); // a write to the page: the read retries
    expect(cache.get('a')).toBe('a-value');
    nested = () => {
      cache.get('b');
      throw new Error('not now'); // the read falls back to the lock
    };
    expect(cache.get('a')).toBe('a-value');
    expect(cache.get('b')).toBe('b-changed');
  });

  it('getAndDelete() returns the value and removes it', () => {
    const cache = t.open();
    cache.set('k', { a: 1 });
    expect(cache.getAndDelete('k')).toEqual({ a: 1 });
    expect(cache.getAndDelete('k')).toBeUndefined();
    expect(cache.has('k')).toBe(false);
  });

  it('touch() gives a live entry a new expiry and leaves its value', () => {
    const clock = manualClock();
    const cache = t.open({ clock: clock.fn });
    cache.set('k', 'v', { ttl: 1000 });
    clock.advance(900);
    expect(cache.touch('k', { ttl: 1000 })).toBe(true);
    clock.advance(900);
    expect(cache.get('k')).toBe('v');
    expect(cache.getEntry('k')?.expiresAt).toBe(clock.now + 100);
    expect(cache.touch('missing')).toBe(false);
    // The set and the touch that moved the expiry (as a getAndSet's would be); not the miss.
    expect(cache.stats().sets).toBe(2);
  });
});

describe('purge / clear / keys / entries', () => {
  it('iterates live keys and entries', () => {
    const cache = t.open(SMALL);
    for (let i = 0; i < 20; i++) cache.set(`k${i}`, i);
    cache.delete('k3');
    expect([...cache.keys()].sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `k${i}`)
        .filter((k) => k !== 'k3')
        .sort(),
    );
    const entries = new Map(cache.entries());
    expect(entries.size).toBe(19);
    expect(entries.get('k7')).toBe(7);
    expect(new Map(cache).get('k8')).toBe(8);
  });

  it('lets the loop body use the cache (no lock is held between pages)', () => {
    const cache = t.open(SMALL);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i);
    for (const key of cache.keys()) cache.delete(key);
    expect([...cache.keys()]).toEqual([]);
  });

  it('clear() removes everything and keeps the counters', () => {
    const cache = t.open(SMALL);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i);
    cache.clear();
    expect([...cache.keys()]).toEqual([]);
    expect(cache.stats()).toMatchObject({ items: 0, bytesUsed: 0, sets: 10 });
    cache.set('again', 1);
    expect(cache.get('again')).toBe(1);
  });
});

describe('keys', () => {
  it('rejects empty, lone-surrogate, too long and non-string keys', () => {
    const cache = t.open();
    expect(codeOf(() => cache.set('', 1))).toBe('ERR_FASTMMAP_INVALID_KEY');
    expect(codeOf(() => cache.set('sess:\uD800', 1))).toBe('ERR_FASTMMAP_INVALID_KEY');
    expect(codeOf(() => cache.get('\uDBFFx'))).toBe('ERR_FASTMMAP_INVALID_KEY');
    expect(codeOf(() => cache.set('x'.repeat(1025), 1))).toBe('ERR_FASTMMAP_INVALID_KEY');
    expect(codeOf(() => cache.set('é'.repeat(513), 1))).toBe('ERR_FASTMMAP_INVALID_KEY'); // 1026 bytes
    expect(codeOf(() => cache.get(42 as unknown as string))).toBe('ERR_FASTMMAP_INVALID_KEY');
  });

  it('accepts keys of up to 1024 UTF-8 bytes and keeps look-alike keys apart', () => {
    const cache = t.open();
    cache.set('x'.repeat(1024), 'ascii');
    cache.set('é'.repeat(512), 'accents');
    cache.set('sess:\uFFFD', 'replacement char');
    expect(cache.get('x'.repeat(1024))).toBe('ascii');
    expect(cache.get('é'.repeat(512))).toBe('accents');
    expect(cache.get('sess:\uFFFD')).toBe('replacement char');
    expect([...cache.keys()]).toContain('é'.repeat(512));
  });
});

describe('limits and encode errors keep the old value', () => {
  it('ERR_FASTMMAP_VALUE_TOO_LARGE before anything is evicted', () => {
    const cache = t.open<Uint8Array>({ ...SMALL, codec: 'raw', numPages: 1 });
    for (let i = 0; i < 5; i++) cache.set(`k${i}`, Buffer.alloc(200, i));
    const err = (() => {
      try {
        cache.set('k0', Buffer.alloc(5000));
      } catch (e) {
        return e;
      }
    })();
    expect(isFastMmapError(err, 'ERR_FASTMMAP_VALUE_TOO_LARGE')).toBe(true);
    expect(cache.get('k0')).toEqual(Buffer.alloc(200, 0));
    expect(cache.stats()).toMatchObject({ items: 5, evictions: 0 });
  });

  it('stores the largest value an empty page holds', () => {
    const cache = t.open<Uint8Array>({ ...SMALL, codec: 'raw', numPages: 1 });
    // 4096 page - 128 header - 16 slots * 4 - 32 record header - 1 key byte
    const max = 4096 - 128 - 64 - 32 - 1;
    cache.set('k', Buffer.alloc(max, 7));
    expect(cache.get('k')?.length).toBe(max);
    expect(codeOf(() => cache.set('k', Buffer.alloc(max + 8)))).toBe(
      'ERR_FASTMMAP_VALUE_TOO_LARGE',
    );
    expect(cache.get('k')?.length).toBe(max);
  });

  it('ERR_FASTMMAP_ENCODE for values the codec cannot encode', () => {
    const json = t.open({ codec: 'json' });
    json.set('k', { ok: 1 });
    expect(codeOf(() => json.set('k', { big: 1n }))).toBe('ERR_FASTMMAP_ENCODE');
    expect(json.get('k')).toEqual({ ok: 1 });
  });
});

describe('codecs', () => {
  it('json round-trips plain data', () => {
    const cache = t.open({ codec: 'json' });
    cache.set('k', { a: [1, 'two', null], b: { c: true } });
    expect(cache.get('k')).toEqual({ a: [1, 'two', null], b: { c: true } });
  });

  it('raw stores bytes and hands back a private copy', () => {
    const cache = t.open<Uint8Array>({ codec: 'raw' });
    cache.set('k', Uint8Array.from([1, 2, 3]));
    const got = cache.get('k')!;
    expect(Buffer.isBuffer(got)).toBe(true);
    expect([...got]).toEqual([1, 2, 3]);
    cache.set('k', Uint8Array.from([9, 9, 9]));
    expect([...got]).toEqual([1, 2, 3]);
    expect(codeOf(() => cache.set('k', 'text' as unknown as Uint8Array))).toBe(
      'ERR_FASTMMAP_ENCODE',
    );
  });

  it('a custom codec is used both ways', () => {
    const codec = {
      name: 'upper',
      encode: (v: string) => Buffer.from(v.toUpperCase()),
      decode: (b: Uint8Array) => Buffer.from(b).toString(),
    };
    const cache = t.open<string>({ codec: codec as never });
    cache.set('k', 'hello');
    expect(cache.get('k')).toBe('HELLO');
    expect(cache.stats().codec).toBe('upper');
    // A reader without that codec gets the bytes, and stats still name the file's codec.
    const reader = t.open<Uint8Array>({ readOnly: true });
    expect(Buffer.from(reader.get('k')!).toString()).toBe('HELLO');
    expect(reader.stats().codec).toBe('upper');
  });
});

describe('stats and close', () => {
  it('counts hits, misses, sets and deletes in the file, for every instance', () => {
    const cache = t.open();
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.get('a');
    cache.get('zzz');
    cache.delete('b');
    const other = t.open();
    expect(other.stats()).toMatchObject({ hits: 2, misses: 1, sets: 2, deletes: 1, items: 1 });
    const s = other.stats();
    expect(s.pages).toHaveLength(s.numPages);
    expect(s.pages.reduce((n, p) => n + p.items, 0)).toBe(1);
    expect(s.bytesUsed).toBeGreaterThan(0);
    expect(s.creationId).toMatch(/^[0-9a-f]{32}$/);
    expect(s).toMatchObject({
      formatVersion: 2,
      pageSize: 65536,
      numPages: 89,
      codec: 'cbor',
      lockStripes: 16,
    });
  });

  it('close() is idempotent and every later call throws ERR_FASTMMAP_CLOSED', () => {
    const cache = t.open();
    cache.set('k', 1);
    cache.close();
    cache.close();
    const calls: (() => unknown)[] = [
      () => cache.get('k'),
      () => cache.getEntry('k'),
      () => cache.has('k'),
      () => cache.set('k', 1),
      () => cache.delete('k'),
      () => cache.getAndSet('k', () => 1),
      () => cache.getAndDelete('k'),
      () => cache.touch('k'),
      () => cache.purge(),
      () => cache.clear(),
      () => [...cache.keys()],
      () => [...cache.entries()],
      () => cache.stats(),
      () => cache.verify(),
    ];
    for (const call of calls) expect(codeOf(call)).toBe('ERR_FASTMMAP_CLOSED');
  });

  it('verify() reports a healthy file', () => {
    const cache = t.open(SMALL);
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, 'x'.repeat(i));
    expect(cache.verify()).toEqual({
      pages: 3,
      items: cache.stats().items,
      badRecords: 0,
      tornPages: 0,
      badPages: 0,
      ok: true,
    });
  });
});
