import { expect } from 'vitest';
import type { Check } from '../types.js';
import { freshId } from './helpers.js';

const TTL = 60_000;

export const expiryChecks = {
  'store: the session lives until ttlMs has passed on the injected clock, then is gone': async ({
    store,
    clock,
  }) => {
    const id = freshId('ttl');
    await store.store(id, { n: 1 }, TTL);
    clock.advance(TTL - 1);
    expect(await store.get(id)).toStrictEqual({ n: 1 });
    clock.advance(1);
    expect(await store.get(id)).toBeUndefined();
  },

  'store: writing again restarts the expiry from now': async ({ store, clock }) => {
    const id = freshId('restart');
    await store.store(id, { n: 1 }, TTL);
    clock.advance(TTL / 2);
    await store.store(id, { n: 2 }, TTL);
    clock.advance(TTL - 1);
    expect(await store.get(id)).toStrictEqual({ n: 2 });
    clock.advance(1);
    expect(await store.get(id)).toBeUndefined();
  },

  'touch: extends the expiry to ttlMs from now without changing the data': async ({
    store,
    clock,
  }) => {
    const id = freshId('touch');
    await store.store(id, { n: 1, when: new Date(7) }, TTL);
    clock.advance(TTL - 1000);
    expect(await store.touch!(id, TTL)).toBe(true);
    clock.advance(TTL - 1);
    expect(await store.get(id)).toStrictEqual({ n: 1, when: new Date(7) });
    clock.advance(1);
    expect(await store.get(id)).toBeUndefined();
  },

  'touch: returns false for a missing or expired id and creates nothing': async ({
    store,
    clock,
  }) => {
    const missing = freshId('touch-missing');
    expect(await store.touch!(missing, TTL)).toBe(false);
    expect(await store.get(missing)).toBeUndefined();
    const expired = freshId('touch-expired');
    await store.store(expired, { n: 1 }, TTL);
    clock.advance(TTL);
    expect(await store.touch!(expired, TTL)).toBe(false);
    expect(await store.get(expired)).toBeUndefined();
  },

  'getAndSet: what it writes expires ttlMs from now, and it sees an expired session as missing':
    async ({ store, clock }) => {
      const id = freshId('gas-ttl');
      await store.store(id, { n: 1 }, TTL);
      clock.advance(TTL / 2);
      await store.getAndSet(id, (current) => ({ n: Number(current?.n) + 1 }), TTL);
      clock.advance(TTL - 1);
      expect(await store.get(id)).toStrictEqual({ n: 2 });
      clock.advance(1);
      let seen: unknown = 'fn not called';
      await store.getAndSet(
        id,
        (current) => {
          seen = current;
          return undefined;
        },
        TTL,
      );
      expect(seen).toBeUndefined();
    },

  'deleteExpired: removes expired sessions, keeps live ones and returns how many': async ({
    store,
    clock,
    options,
  }) => {
    const short = [freshId('short'), freshId('short')];
    const long = freshId('long');
    for (const id of short) await store.store(id, { n: 1 }, TTL);
    await store.store(long, { n: 2 }, TTL * 10);
    clock.advance(TTL);
    const removed = await store.deleteExpired();
    if (options.expiresByItself) {
      expect([0, 2]).toContain(removed);
    } else {
      expect(removed).toBe(2);
    }
    for (const id of short) expect(await store.get(id)).toBeUndefined();
    expect(await store.get(long)).toStrictEqual({ n: 2 });
    if (!options.expiresByItself) expect(await store.deleteExpired()).toBe(0);
  },
} satisfies Record<string, Check>;
