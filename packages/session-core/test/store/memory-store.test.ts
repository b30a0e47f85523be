import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { fakeClock } from '../helpers.js';

function withHole(array: unknown[]): unknown[] {
  delete array[1];
  return array;
}

// The contract itself is checked by packages/store-test-suite; these are MemoryStore's extras.
describe('MemoryStore', () => {
  it('counts live sessions only', async () => {
    const clock = fakeClock();
    const store = new MemoryStore({ clock });
    await store.store('a', {}, 1000);
    await store.store('b', {}, 2000);
    clock.advance(1000);
    expect(store.size).toBe(1);
    await store.clear();
    expect(store.size).toBe(0);
  });

  it('measures maxSize on the encoded session', async () => {
    const store = new MemoryStore({ maxSize: 100 });
    await store.store('fits', { s: 'x'.repeat(50) }, 1000);
    await expect(store.store('big', { s: 'x'.repeat(100) }, 1000)).rejects.toMatchObject({
      code: 'ERR_SESSION_TOO_LARGE',
    });
  });

  it('returns what the structured-clone encoding would, whether copied or decoded', async () => {
    const store = new MemoryStore();
    let deep: Record<string, unknown> = {};
    const nested = deep;
    // 100 levels with { nested } around it: the deepest data a store accepts.
    for (let i = 0; i < 98; i++) deep = deep.next = {} as Record<string, unknown>;
    const values = [
      { plain: { a: withHole([1, 0, undefined, -0]), d: new Date(7), n: null, s: 'x', b: 1n } },
      { map: new Map([['k', { v: new Set([1]) }]]), bytes: new Uint8Array([1, 2]) },
      { nested },
    ];
    for (const [i, value] of values.entries()) {
      await store.store(`id-${i}`, value, 1000);
      const first = await store.get(`id-${i}`);
      expect(first).toStrictEqual(structuredClone(value));
      // Every read is a fresh copy.
      expect(await store.get(`id-${i}`)).not.toBe(first);
      expect(Object.keys(first!)).toEqual(Object.keys(value));
    }
  });

  it('refuses a clock reading that is not a finite number >= 0, changing nothing', async () => {
    let reading: unknown = 1_000;
    const store = new MemoryStore({ clock: () => reading as number });
    await store.store('kept', { n: 1 }, 1000);
    for (const bad of [Number.NaN, new Date(5_000), undefined, -1, Number.POSITIVE_INFINITY]) {
      reading = bad;
      const refused = expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' });
      await expect(store.store('new', { n: 2 }, 1000)).rejects.toThrow(refused);
      await expect(store.get('kept')).rejects.toThrow(refused);
      await expect(store.getAndSet('kept', () => ({ n: 3 }), 1000)).rejects.toThrow(refused);
      await expect(store.touch('kept', 1000)).rejects.toThrow(refused);
      await expect(store.deleteExpired()).rejects.toThrow(refused);
    }
    // NaN had stored entries that never expired: now nothing was written, and time still counts.
    reading = 1_999;
    expect(await store.get('kept')).toEqual({ n: 1 });
    expect(await store.get('new')).toBeUndefined();
    reading = 2_000;
    expect(await store.get('kept')).toBeUndefined();
  });

  it('rejects a nonsensical maxSize', () => {
    expect(() => new MemoryStore({ maxSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }),
    );
  });
});
