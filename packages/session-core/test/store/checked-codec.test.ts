import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fastCborEncode } from '../../src/cache/cbor-fast-encode.js';
import { FastMmapCache } from '../../src/cache/index.js';
import { FastMmapStore } from '../../src/index.js';
import { assertSupportedData } from '../../src/store/validate.js';

// FastMmapStore skips its full data check for whatever the fast CBOR encoder takes (see
// checkedCborCodec): that is only sound if the encoder never takes a value the check refuses.
const dir = mkdtempSync(join(tmpdir(), 'fm-checked-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `c${++n}.fmcache`);

class Point {
  x = 1;
}
const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

/** Values of every kind, good and bad, nested. */
const anyValue = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }), // lone surrogates too
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constantFrom(null, undefined, -0, Number.NaN, 2n ** 70n, new Date(0), new Date(Number.NaN)),
    fc.constantFrom(
      () => 1,
      Symbol('s'),
      new Point(),
      new Map([[1, 2]]),
      new Set([1]),
      Buffer.from('ab'),
      Object.create(null) as object,
      circular,
      { constructor: 'own key' },
    ),
  ),
  value: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object'), tie('odd')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), {
    maxKeys: 4,
  }),
  // Keys no codec keeps: a symbol on an object or array, a name on an array.
  odd: fc.oneof(
    fc.tuple(tie('object'), tie('value')).map(([o, v]) => ({ ...(o as object), [Symbol('s')]: v })),
    fc
      .tuple(tie('array'), tie('value'))
      .map(([a, v]) => Object.assign([...(a as unknown[])], { note: v })),
    fc
      .tuple(tie('array'), tie('value'))
      .map(([a, v]) => Object.assign([...(a as unknown[])], { [Symbol('s')]: v })),
  ),
}));

describe('the fast encoder and the data check', () => {
  it('the fast encoder takes no session data that assertSupportedData refuses', () => {
    let taken = 0;
    fc.assert(
      fc.property(anyValue.value, (value) => {
        const data = { value };
        if (fastCborEncode(data) === undefined) return;
        taken++;
        expect(() => assertSupportedData(data)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: a good share of the values is of the fast encoder's shape.
    expect(taken).toBeGreaterThan(300);
  });

  it('a store on its own cache still refuses, with the check’s own message, what only cbor-x would encode', async () => {
    const store = new FastMmapStore({ storage: file(), numPages: 2 });
    await store.store('s', { keep: 'me' }, 60_000);
    const bad = [
      { name: 'Zoë', fn: () => 1 }, // non-ASCII: the fast encoder gives up before the function
      { when: new Date(), list: [1, new Point()] },
      { big: 10n, loop: circular },
      { lone: '\uD800' },
    ];
    for (const data of bad) {
      const err = await store.store('s', data, 60_000).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'SessionError', code: 'ERR_SESSION_UNSUPPORTED_DATA' });
      expect((err as Error).message).toMatch(/^session data at data\./);
      const viaUpdate = await store.getAndSet('s', () => data, 60_000).catch((e: unknown) => e);
      expect(viaUpdate).toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED_DATA' });
    }
    expect(await store.get('s')).toEqual({ keep: 'me' });
    // A top-level array is data the fast encoder would take, but not a session.
    await expect(store.store('s', [1] as never, 60_000)).rejects.toMatchObject({
      code: 'ERR_SESSION_UNSUPPORTED_DATA',
    });
    // And what only cbor-x encodes, but the check allows, is stored.
    const rich = { name: 'Zoë', tags: new Set(['a']), n: 2n ** 70n };
    await store.store('s', rich, 60_000);
    expect(await store.get('s')).toEqual(rich);
    await store.close();
  });

  it('its cache still takes values that are not sessions, as a cbor cache does', async () => {
    const store = new FastMmapStore({ storage: file(), numPages: 2 });
    store.cache.set('note', 'Zoë'); // non-ASCII: past the fast encoder, not session data
    store.cache.set('list', [1, 'é', new Map([[1, 2]])]);
    expect(store.cache.get('note')).toBe('Zoë');
    expect(store.cache.get('list')).toEqual([1, 'é', new Map([[1, 2]])]);
    await store.close();
  });

  it('a store opens a file of another codec as ERR_SESSION_OPTIONS instead of writing into it', async () => {
    const path = file();
    FastMmapCache.open({ path, numPages: 2, codec: 'json' }).close();
    let thrown: unknown;
    try {
      new FastMmapStore({ storage: path, numPages: 2 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
    // Its advice is one this store can follow (it takes no codec option).
    const message = (thrown as Error).message;
    expect(message).toContain(`${path} was made with codec 'json'`);
    expect(message).toContain(
      "new FastMmapStore({ cache: FastMmapCache.open({ path, codec: 'json' }) })",
    );
    const store = new FastMmapStore({ cache: FastMmapCache.open({ path, codec: 'json' }) });
    await store.store('s', { n: 1 }, 60_000);
    expect(await store.get('s')).toEqual({ n: 1 });
    store.cache.close();
  });
});
