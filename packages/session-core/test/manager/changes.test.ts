import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffSnapshot, takeSnapshot } from '../../src/manager/changes.js';

/** Top-level keys diffSnapshot reports as set, for data `before` snapshotted and `after` now. */
function changedKeys(
  before: Record<string, unknown>,
  mutate: (data: Record<string, unknown>) => void,
) {
  const data = before;
  const snapshot = takeSnapshot(data);
  mutate(data);
  const { changes } = diffSnapshot(snapshot, data);
  return Object.keys(changes.set);
}

// Values the stores keep: JSON-like data, Dates, undefined, -0, holes; `encoded` adds the
// kinds change tracking compares by their structured-clone bytes (Map, typed arrays).
function values(encoded: boolean) {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 6 }),
      fc.double(),
      fc.constantFrom(0, -0, 1, null, undefined, true, false),
      fc.bigInt({ min: -5n, max: 5n }),
      fc.date({ noInvalidDate: false }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.sparseArray(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('value'), { maxKeys: 3 }),
      ...(encoded
        ? [
            fc
              .array(fc.tuple(fc.string({ maxLength: 2 }), tie('value')), { maxLength: 2 })
              .map((entries) => new Map(entries)),
            fc.uint8Array({ maxLength: 4 }),
          ]
        : []),
    ),
  })).value;
}

/** [1, <hole>, 3] */
function sparse(): unknown[] {
  const array = [1, 2, 3];
  delete array[1];
  return array;
}

describe('change tracking', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the mutations reach into arbitrary test data
  type Data = Record<string, any>;
  it.each<[string, Record<string, unknown>, (d: Data) => void, string[]]>([
    ['nothing', { a: 1, b: { c: [1] } }, () => {}, []],
    ['a nested push', { a: 1, b: { c: [1] } }, (d) => d.b.c.push(2), ['b']],
    [
      'a nested assignment of an equal value',
      { b: { c: 1 } },
      (d) => {
        d.b.c = 1;
      },
      [],
    ],
    [
      'a replaced but equal object',
      { b: { c: [1, { d: 2 }] } },
      (d) => {
        d.b = { c: [1, { d: 2 }] };
      },
      [],
    ],
    ['a Date moved in place', { when: new Date(5) }, (d) => d.when.setTime(6), ['when']],
    [
      '0 becoming -0',
      { n: 0 },
      (d) => {
        d.n = -0;
      },
      ['n'],
    ],
    [
      'NaN staying NaN',
      { n: Number.NaN, o: { n: Number.NaN } },
      (d) => {
        d.n = Number.NaN;
      },
      [],
    ],
    [
      'a hole filled with undefined',
      { a: sparse() },
      (d) => {
        d.a[1] = undefined;
      },
      ['a'],
    ],
    [
      'keys reordered',
      { o: { x: 1, y: 2 } },
      (d) => {
        d.o = { y: 2, x: 1 };
      },
      ['o'],
    ],
    [
      'a key set to undefined',
      { o: { x: 1 } },
      (d) => {
        d.o.y = undefined;
      },
      ['o'],
    ],
    [
      'an object becoming an array',
      { o: { 0: 1 } },
      (d) => {
        d.o = [1];
      },
      ['o'],
    ],
    ['a Map changed in place', { m: new Map([['a', 1]]) }, (d) => d.m.set('a', 2), ['m']],
    ['a Map left alone', { m: new Map([['a', { b: 1 }]]) }, () => {}, []],
    [
      'a typed array changed in place',
      { t: new Uint8Array([1]) },
      (d) => {
        d.t[0] = 2;
      },
      ['t'],
    ],
    [
      'a plain object replaced by a Map',
      { o: {} },
      (d) => {
        d.o = new Map();
      },
      ['o'],
    ],
    [
      'an own __proto__ key changed',
      { o: JSON.parse('{"__proto__": {"x": 1}}') },
      (d) => {
        Object.getOwnPropertyDescriptor(d.o, '__proto__')!.value.x = 2;
      },
      ['o'],
    ],
    [
      'a new key',
      { a: 1 },
      (d) => {
        d.b = 2;
      },
      ['b'],
    ],
  ])('reports %s', (_, data, mutate, expected) => {
    expect(changedKeys(data, mutate)).toEqual(expected);
  });

  it('handles cycles and very deep nesting by encoding', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep.next = {} as Record<string, unknown>;
    expect(changedKeys({ root }, () => {})).toEqual([]);
    expect(
      changedKeys({ root }, () => {
        deep.x = 1;
      }),
    ).toEqual(['root']);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(changedKeys({ cyclic }, () => {})).toEqual([]);
    expect(
      changedKeys({ cyclic }, () => {
        cyclic.a = 2;
      }),
    ).toEqual(['cyclic']);
  });

  it('refuses a function as before, when it is stored', () => {
    expect(() =>
      changedKeys({ a: {} }, (d) => {
        d.a = { f() {} };
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_SESSION_UNSUPPORTED_DATA' }));
  });

  it('says a value is nested too deeply rather than blame functions or symbols', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(() =>
      changedKeys({ a: {} }, (d) => {
        d.a = deep;
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_SESSION_UNSUPPORTED_DATA',
        message: expect.stringContaining('nested too deeply'),
      }),
    );
  });

  it('reports deletions and reuses unchanged entries in the next snapshot', () => {
    const data: Record<string, unknown> = { a: { x: 1 }, b: 2 };
    const snapshot = takeSnapshot(data);
    delete data.b;
    const { changes, next } = diffSnapshot(snapshot, data);
    expect(changes).toEqual({ set: {}, deleted: ['b'] });
    expect(next.keys).toEqual(['a']);
    expect(next.entries[0]).toBe(snapshot.entries[0]);
  });

  it('tells added, changed and deleted keys apart whatever the order keys end up in', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', '0', '1', '__proto__');
    const value = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant({ x: 1 }));
    const step = fc.oneof(
      fc.tuple(fc.constant('set' as const), key, value),
      fc.tuple(fc.constant('delete' as const), key, fc.constant(0)),
      // The object entries are mutated in place: the key keeps its place, its value changes.
      fc.tuple(fc.constant('mutate' as const), key, fc.constant(0)),
    );
    const record = fc.dictionary(key, value, { maxKeys: 6 });
    fc.assert(
      fc.property(record, fc.array(step, { maxLength: 8 }), (start, steps) => {
        const data: Record<string, unknown> = structuredClone(start);
        const before = structuredClone(start);
        const snapshot = takeSnapshot(data);
        for (const [op, k, v] of steps) {
          if (op === 'set')
            Object.defineProperty(data, k, {
              value: structuredClone(v),
              enumerable: true,
              configurable: true,
              writable: true,
            });
          else if (op === 'delete') delete data[k];
          else if (typeof data[k] === 'object' && data[k] !== null) (data[k] as { x: number }).x++;
        }
        const { changes, next } = diffSnapshot(snapshot, data);
        const keysNow = Object.keys(data);
        const set = keysNow.filter(
          (k) => !Object.hasOwn(before, k) || !isDeepStrictEqual(before[k], data[k]),
        );
        expect(Object.keys(changes.set).sort()).toEqual(set.sort());
        expect([...changes.deleted].sort()).toEqual(
          Object.keys(before)
            .filter((k) => !keysNow.includes(k))
            .sort(),
        );
        // The next snapshot is a snapshot of the data as it is now: diffing again finds nothing.
        expect(next.keys).toEqual(keysNow);
        expect(diffSnapshot(next, data).changes).toEqual({ set: {}, deleted: [] });
      }),
      { numRuns: 3000 },
    );
  });

  it('never misses a change (any value replaced by one a store tells apart from it)', () => {
    fc.assert(
      fc.property(values(true), values(true), (a, b) => {
        // structuredClone drops what no store keeps either (a null prototype, say).
        fc.pre(!isDeepStrictEqual(structuredClone(a), structuredClone(b)));
        expect(
          changedKeys({ k: a }, (d) => {
            d.k = b;
          }),
        ).toEqual(['k']);
      }),
      { numRuns: 2000 },
    );
  });

  it('never reports a change for an exact copy of plain data', () => {
    fc.assert(
      fc.property(values(false), (a) => {
        expect(
          changedKeys({ k: a }, (d) => {
            d.k = structuredClone(a);
          }),
        ).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
