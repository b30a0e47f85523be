import { expect } from 'vitest';
import type { Check } from '../types.js';
import { expectCode, freshId, HOUR } from './helpers.js';

/** `{ d: { d: ... } }`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { d: value };
  return value;
}

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

export const errorChecks = {
  'bad ids (empty, not a string, lone surrogate) are ERR_SESSION_INVALID_ID in every method':
    async ({ store }) => {
      for (const bad of ['', '\uD800', 'ok\uDC00', 42 as unknown as string]) {
        await expectCode(store.get(bad), 'ERR_SESSION_INVALID_ID');
        await expectCode(store.store(bad, { n: 1 }, HOUR), 'ERR_SESSION_INVALID_ID');
        await expectCode(store.delete(bad), 'ERR_SESSION_INVALID_ID');
        await expectCode(
          store.getAndSet(bad, () => ({ n: 1 }), HOUR),
          'ERR_SESSION_INVALID_ID',
        );
        if (store.touch) await expectCode(store.touch(bad, HOUR), 'ERR_SESSION_INVALID_ID');
      }
    },

  'a ttl that is not a finite number > 0 is ERR_SESSION_INVALID_TTL': async ({ store }) => {
    const id = freshId('ttl-bad');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100' as unknown as number]) {
      await expectCode(store.store(id, { n: 1 }, bad), 'ERR_SESSION_INVALID_TTL');
      await expectCode(
        store.getAndSet(id, () => ({ n: 1 }), bad),
        'ERR_SESSION_INVALID_TTL',
      );
    }
    expect(await store.get(id)).toBeUndefined();
  },

  'data that cannot round-trip is ERR_SESSION_UNSUPPORTED_DATA, and the old value stays': async ({
    store,
  }) => {
    const id = freshId('unsupported');
    await store.store(id, { keep: 'me' }, HOUR);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const bad: Record<string, unknown>[] = [
      { fn: () => 1 },
      { sym: Symbol('s') },
      { point: new Point(1, 2) },
      { nested: { deeper: [new Point(1, 2)] } },
      circular,
      { lone: 'bad\uD800' },
      new Point(1, 2) as unknown as Record<string, unknown>,
      // Deeper than any store promises to read back (or than a recursive walk has stack for).
      nested(101),
      nested(20_000),
      // A key every decoder turns into a prototype or drops: refused, never mangled.
      JSON.parse('{"__proto__": {"admin": true}, "user": "u1"}'),
      { inner: JSON.parse('{"__proto__": 1}') },
    ];
    for (const data of bad) {
      await expectCode(store.store(id, data, HOUR), 'ERR_SESSION_UNSUPPORTED_DATA');
      await expectCode(
        store.getAndSet(id, () => data, HOUR),
        'ERR_SESSION_UNSUPPORTED_DATA',
      );
    }
    expect(await store.get(id)).toStrictEqual({ keep: 'me' });
  },

  'data nested 100 levels deep (the most any store accepts) round-trips': async ({ store }) => {
    const id = freshId('deep');
    await store.store(id, nested(100), HOUR);
    expect(await store.get(id)).toStrictEqual(nested(100));
  },

  'after close() every call rejects with ERR_SESSION_STORE_UNAVAILABLE; close is idempotent':
    async ({ store }) => {
      await store.close();
      await store.close();
      await expectCode(store.get(freshId('closed')), 'ERR_SESSION_STORE_UNAVAILABLE');
      await expectCode(
        store.store(freshId('closed'), { n: 1 }, HOUR),
        'ERR_SESSION_STORE_UNAVAILABLE',
      );
    },
} satisfies Record<string, Check>;

/** Built per store: needs the store's declared maxSize. */
export const oversizeCheck: Check = async ({ store, options }) => {
  const maxSize = options.maxSize;
  if (maxSize === null) throw new Error('this check needs a maxSize');
  const id = freshId('oversize');
  await store.store(id, { keep: 'me' }, HOUR);
  // Incompressible-looking ASCII: more bytes than maxSize in any encoding.
  const big = {
    blob: Array.from({ length: maxSize + 1 }, (_, i) =>
      String.fromCharCode(33 + ((i * 7919) % 90)),
    ).join(''),
  };
  await expectCode(store.store(id, big, HOUR), 'ERR_SESSION_TOO_LARGE');
  await expectCode(
    store.getAndSet(id, () => big, HOUR),
    'ERR_SESSION_TOO_LARGE',
  );
  expect(await store.get(id)).toStrictEqual({ keep: 'me' });
  // Half the declared limit still fits: the store did not declare a limit larger than it keeps.
  const fits = { blob: 'x'.repeat(Math.floor(maxSize / 2)) };
  await store.store(id, fits, HOUR);
  expect(await store.get(id)).toStrictEqual(fits);
};
