import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { FALLBACK, fastCborDecode } from '../../src/cache/cbor-fast-decode.js';
import { NUMBERS, randomPlainValues } from './cbor-values.js';

// The options of the cache's cbor codec (src/cache/codec.ts).
const cbor = new Encoder({
  useRecords: false,
  copyBuffers: true,
  mapsAsObjects: true,
  variableMapSize: true,
});

/** The bytes inside other bytes, as a record's value sits in the file. */
function embedded(bytes: Uint8Array): [Buffer, number, number] {
  const file = Buffer.alloc(bytes.length + 16, 0xa5);
  file.set(bytes, 7);
  return [file, 7, 7 + bytes.length];
}

type Outcome = { threw: true } | { threw: false; value: unknown };

function cborX(bytes: Uint8Array): Outcome {
  try {
    return { threw: false, value: cbor.decode(Buffer.from(bytes)) };
  } catch {
    return { threw: true };
  }
}

/** The fast path gives up, or gives exactly what cbor-x gives (never a value where it throws). */
function expectSameOrFallback(bytes: Uint8Array): boolean {
  const fast = fastCborDecode(...embedded(bytes));
  if (fast === FALLBACK) return false;
  const expected = cborX(bytes);
  expect(expected.threw).toBe(false);
  if (!expected.threw) expect(fast).toStrictEqual(expected.value);
  return true;
}

describe('fastCborDecode', () => {
  it('decodes what cbor-x decodes, for every number, text and container shape it takes', () => {
    for (const n of NUMBERS) expect(expectSameOrFallback(cbor.encode(n))).toBe(true);
    const session = { count: 7, __fastmmap: { created: 1_764_171_299_123, touched: 1.5 } };
    const values = [
      true,
      false,
      null,
      undefined,
      [],
      {},
      [1, undefined, 3],
      session,
      'x'.repeat(300),
    ];
    for (const v of values) expect(expectSameOrFallback(cbor.encode(v))).toBe(true);
    // Many keys through the key cache (colliding slots included): each object stays right.
    for (let i = 0; i < 2000; i++) {
      const object = { [`key${i}`]: i, [`k${i % 7}`]: 'v', [`${'long'.repeat(7)}${i}`]: [i] };
      expect(expectSameOrFallback(cbor.encode(object))).toBe(true);
    }
  });

  it('matches cbor-x on random plain values', () => {
    const seed = Number(process.env.FASTMMAP_TEST_SEED ?? 12345) | 1;
    const rnd = randomPlainValues(seed);
    let taken = 0;
    for (let i = 0; i < 3000; i++) if (expectSameOrFallback(cbor.encode(rnd.value(0)))) taken++;
    expect(taken).toBeGreaterThan(2500);
  });

  it('never gives a value where cbor-x throws or decodes otherwise: damaged and cut bytes', () => {
    const seed = Number(process.env.FASTMMAP_TEST_SEED ?? 777) | 1;
    const rnd = randomPlainValues(seed);
    let x = seed;
    const int = (n: number) => {
      x = (Math.imul(x, 1_103_515_245) + 12_345) | 0;
      return (x >>> 8) % n;
    };
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(cbor.encode(rnd.value(0)));
      const damaged = Buffer.from(bytes);
      const at = int(damaged.length);
      damaged[at] = damaged[at]! ^ (1 + int(255));
      expectSameOrFallback(damaged);
      expectSameOrFallback(bytes.subarray(0, int(bytes.length)));
      expectSameOrFallback(Buffer.concat([bytes, Buffer.from([int(256)])]));
    }
  });

  it('leaves everything else to cbor-x', () => {
    const others = [
      cbor.encode('é'),
      cbor.encode({ clé: 1 }),
      cbor.encode(new Date(0)),
      cbor.encode(Buffer.from('x')),
      cbor.encode(10n ** 18n),
      cbor.encode(new Map([[1, 'a']])),
      Buffer.from('fa3fc00000', 'hex'), // float32
      Buffer.from('f93c00', 'hex'), // float16
      Buffer.from('9f01ff', 'hex'), // indefinite array
      Buffer.from('a1695f5f70726f746f5f5f01', 'hex'), // { __proto__: 1 }
      Buffer.from('0102', 'hex'), // trailing bytes
      Buffer.from('', 'hex'),
    ];
    for (const bytes of others) expect(fastCborDecode(...embedded(bytes))).toBe(FALLBACK);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(fastCborDecode(...embedded(cbor.encode(deep)))).toBe(FALLBACK);
  });
});
