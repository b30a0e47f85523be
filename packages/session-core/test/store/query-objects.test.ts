import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FastMmapCache } from '../../src/cache/index.js';
import {
  assertSupportedData,
  createSessionManager,
  FastMmapStore,
  MemoryStore,
  type Store,
} from '../../src/index.js';
import { diffSnapshot, takeSnapshot } from '../../src/manager/changes.js';
import { copyValue, equalsCopy, UNSUPPORTED } from '../../src/store/data-copy.js';
import { cookiePair, recordingStore, SECRET } from '../helpers.js';

// fast-querystring (Fastify's request.query, @fastify/formbody's bodies) makes its objects so:
// cheaper than Object.create(null), and as bare. No constructor, no inherited keys.
function Empty() {}
Empty.prototype = Object.create(null);
type Query = Record<string, unknown>;
function query(entries: Query): Query {
  const q = new (Empty as unknown as new () => Query)();
  Object.assign(q, entries);
  return q;
}

const dir = mkdtempSync(join(tmpdir(), 'fm-query-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `s${++n}.fmcache`);

describe("objects made like fast-querystring's (a prototype that is an empty null-prototype object)", () => {
  it('are plain data, nested, at the top and inside each other', () => {
    const q = query({ a: '1', tags: ['x', 'y'], nested: query({ b: '2' }) });
    expect(() => assertSupportedData({ lastSearch: q })).not.toThrow();
    expect(() => assertSupportedData(q)).not.toThrow();
  });

  it('still refuse a class instance whose prototype merely has a null prototype', () => {
    // A near miss: the prototype has a method of its own, so the methods would be lost.
    const withMethod = Object.create(Object.assign(Object.create(null), { greet() {} }));
    withMethod.a = '1';
    expect(() => assertSupportedData({ v: withMethod })).toThrow(
      /data\.v is an instance of unknown/,
    );
    // Change tracking leaves it to encoding, as any class instance.
    expect(copyValue(withMethod)).toBe(UNSUPPORTED);
    // An empty prototype two steps from null is a class's too.
    const deeper = Object.create(Object.create(Object.create(null)));
    expect(() => assertSupportedData({ v: deeper })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_UNSUPPORTED_DATA' }),
    );
  });

  it('are copied and compared as plain objects by change tracking', () => {
    const q = query({ a: '1', page: 1 });
    const copied = copyValue(q);
    expect(copied).toStrictEqual({ a: '1', page: 1 });
    expect(equalsCopy(copied as object, q)).toBe(true);
    q.page = 2;
    expect(equalsCopy(copied as object, q)).toBe(false);

    const data: Query = { q: query({ a: '1', page: 1 }) };
    const snapshot = takeSnapshot(data);
    expect(Object.keys(diffSnapshot(snapshot, data).changes.set)).toEqual([]);
    (data.q as Query).page = 2;
    expect(Object.keys(diffSnapshot(snapshot, data).changes.set)).toEqual(['q']);
  });

  const stores: [string, () => Store][] = [
    ['MemoryStore', () => new MemoryStore()],
    ['FastMmapStore (cbor)', () => new FastMmapStore({ storage: file(), numPages: 2 })],
    [
      'FastMmapStore on a json cache',
      () =>
        new FastMmapStore({
          cache: FastMmapCache.open({ path: file(), numPages: 2, codec: 'json' }),
        }),
    ],
  ];
  it.each(stores)('come back from %s as plain objects', async (_, make) => {
    const store = make();
    // Nested in a plain object, and (session.data = request.query) as the data itself.
    const nested = query({ a: '1', list: ['x'], inner: query({ b: '2' }) });
    await store.store('nested', { lastSearch: nested }, 60_000);
    expect(await store.get('nested')).toStrictEqual({
      lastSearch: { a: '1', list: ['x'], inner: { b: '2' } },
    });
    await store.store('top', query({ a: '1' }), 60_000);
    expect(await store.get('top')).toStrictEqual({ a: '1' });
    await store.close();
    // A cache given to the store stays open on close (closing twice is a no-op).
    if (store instanceof FastMmapStore) store.cache.close();
  });

  it('are stored by a session; an equal one put back writes nothing, a changed one is kept', async () => {
    const memory = new MemoryStore();
    const store = recordingStore(memory);
    const manager = createSessionManager({ secret: SECRET, store });
    const first = await manager.load<Query>(undefined);
    first.data.lastSearch = query({ q: 'shoes', page: '1' });
    const cookie = cookiePair((await first.commit())[0]);

    const second = await manager.load<Query>(cookie);
    expect(second.data.lastSearch).toStrictEqual({ q: 'shoes', page: '1' });
    // The same query again (the snapshot holds what the store gave back: a plain object).
    second.data.lastSearch = query({ q: 'shoes', page: '1' });
    const writes = store.writes().length;
    await second.commit();
    expect(store.writes()).toHaveLength(writes);

    const third = await manager.load<Query>(cookie);
    third.data.lastSearch = query({ q: 'shoes', page: '2' });
    await third.commit();
    expect((await manager.load<Query>(cookie)).data.lastSearch).toStrictEqual({
      q: 'shoes',
      page: '2',
    });
  });
});
