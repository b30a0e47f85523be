import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { fastCborEncode } from '../../src/cache/cbor-fast-encode.js';
import { resolveCodec } from '../../src/cache/codec.js';
import { NUMBERS, randomPlainValues } from './cbor-values.js';
import { SMALL, scratchDir } from './helpers.js';

// The options of the cache's cbor codec (src/cache/codec.ts).
const cbor = new Encoder({
  useRecords: false,
  copyBuffers: true,
  mapsAsObjects: true,
  variableMapSize: true,
});

/** The fast path either gives up or writes exactly cbor-x's bytes. */
function expectSameOrNone(value: unknown): boolean {
  const fast = fastCborEncode(value);
  if (fast === undefined) return false;
  const expected = Buffer.from(cbor.encode(value));
  // Compared as hex only on a mismatch, for a readable failure (expect() per value is slow).
  if (!expected.equals(fast))
    expect(Buffer.from(fast).toString('hex')).toBe(expected.toString('hex'));
  return true;
}

describe('fastCborEncode', () => {
  it("writes cbor-x's bytes for every number, string and container shape it takes", () => {
    for (const n of NUMBERS) expect(expectSameOrNone(n)).toBe(true);
    const long = ['c'.repeat(255), 'd'.repeat(256), 'e'.repeat(1400), 'f'.repeat(3000)];
    for (const s of ['', 'a'.repeat(23), 'b'.repeat(24), ...long]) {
      expect(expectSameOrNone(s)).toBe(true);
    }
    // biome-ignore lint/suspicious/noSparseArray: a hole is written as undefined, as cbor-x does
    const holey = [1, , 3];
    const session = { count: 7, __fastmmap: { created: 1_764_171_299_123, touched: 1.5 } };
    for (const v of [true, false, null, undefined, [], {}, holey, session, [[[{ a: [] }]]]]) {
      expect(expectSameOrNone(v)).toBe(true);
    }
  });

  it("writes cbor-x's tag 1 for Dates: whole seconds in uint32 range, else float64", () => {
    const times = [
      0,
      1,
      999,
      1000,
      1_700_000_000_000,
      1_700_000_000_123,
      -1,
      -1000,
      -1_700_000_000_000,
      (2 ** 32 - 1) * 1000, // the last whole second a uint32 holds
      2 ** 32 * 1000,
      8.64e15,
      -8.64e15,
    ];
    for (const t of times) {
      expect(expectSameOrNone(new Date(t))).toBe(true);
      expect(expectSameOrNone({ user: 'ada', loginAt: new Date(t), tags: [new Date(t)] })).toBe(
        true,
      );
    }
    let x = 0x2545f491;
    for (let i = 0; i < 2000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const whole = i % 2 === 0;
      const t = ((x | 0) / 2 ** 31) * 8.64e15;
      expect(expectSameOrNone(new Date(whole ? Math.round(t / 1000) * 1000 : Math.round(t)))).toBe(
        true,
      );
    }
  });

  it('matches cbor-x on random plain values (or leaves them to it)', () => {
    const seed = Number(process.env.FASTMMAP_TEST_SEED ?? 12345) | 1;
    const rnd = randomPlainValues(seed);
    let taken = 0;
    for (let i = 0; i < 3000; i++) if (expectSameOrNone(rnd.value(0))) taken++;
    expect(taken).toBeGreaterThan(2000); // most values are small enough for the fast path
  });

  it('leaves everything else to cbor-x', () => {
    class Point {
      x = 1;
    }
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const others: unknown[] = [
      'é',
      { name: 'Zoë' },
      // Long strings are written by one utf8Write call: anything but ASCII still gives up.
      `${'a'.repeat(40)}é`,
      `é${'a'.repeat(40)}`,
      { lone: `${'a'.repeat(40)}\uD800` },
      ['x', `${'b'.repeat(30)}\u{1F600}`],
      Number.NaN,
      10n,
      new Date(Number.NaN),
      new (class Day extends Date {})(0),
      Object.assign(new Date(0), { constructor: Date }),
      Buffer.from('x'),
      new Uint8Array(2),
      new Map([['a', 1]]),
      new Set([1]),
      Object.create(null),
      new Point(),
      { constructor: 1 },
      JSON.parse('{"__proto__":1,"x":2}'),
      () => 1,
      Symbol('s'),
      deep,
      circular,
      { big: 'x'.repeat(2 ** 20) }, // over the buffer's 1 MiB limit
    ];
    for (const v of others) expect(fastCborEncode(v)).toBeUndefined();
  });

  it('takes values past its first 4 KiB (its buffer grows), with the same bytes as cbor-x', () => {
    const cart = Array.from({ length: 2000 }, (_, i) => ({
      sku: `SKU-${i}`,
      qty: i % 3,
      p: i / 4,
    }));
    const large: unknown[] = [
      'x'.repeat(5000),
      { big: 'y'.repeat(70_000), n: 1 },
      { user: { id: 1, name: 'Ada' }, cart, at: new Date(0) },
      'z'.repeat(2 ** 20 - 10), // just under the limit with its head
    ];
    for (const v of large) expect(expectSameOrNone(v)).toBe(true);
    // Small values after the growth: the views of lengths up to 4 KiB are made anew.
    for (const v of [{ count: 7 }, 'a'.repeat(100), 'b'.repeat(4096)]) {
      expect(expectSameOrNone(v)).toBe(true);
    }
    // A non-ASCII character past 4 KiB still gives the value to cbor-x.
    expect(fastCborEncode(`${'a'.repeat(6000)}é`)).toBeUndefined();
  });

  it('gives a nested encode from a getter to cbor-x, and the outer value stays right', () => {
    const codec = resolveCodec('cbor');
    const value = {
      a: 1,
      get b() {
        return codec.decode(codec.encode({ inner: 'yes' }));
      },
      c: 'z',
    };
    expect(codec.decode(Buffer.from(codec.encode(value)))).toEqual({
      a: 1,
      b: { inner: 'yes' },
      c: 'z',
    });
  });

  it("a set keeps its value's bytes even when the injected clock writes to another cache", () => {
    const t = scratchDir();
    try {
      const other = t.open({ ...SMALL, path: `${t.dir}/other.fmc` });
      const cache = t.open({
        ...SMALL,
        clock: () => {
          other.set('noise', { other: 'value', n: [1, 2, 3] });
          return Date.UTC(2026, 0, 1);
        },
      });
      cache.set('k', { mine: 'kept' });
      expect(cache.get('k')).toEqual({ mine: 'kept' });
    } finally {
      t.cleanup();
    }
  });
});
