import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type CacheOptions, FastMmapCache } from '../../src/cache/index.js';
import { manualClock, scratchDir } from './helpers.js';

/**
 * Property test against a Map model: random sequences of set/get/delete/getAndSet/touch/
 * clock advances/purge/clear/close+reopen must give exactly the model's answers. The cache is
 * sized so nothing is evicted (eviction is tested on its own).
 */
type Value = number | string;
interface Entry {
  value: Value;
  expiresAt: number;
}
interface Model {
  entries: Map<string, Entry>;
  clock: ReturnType<typeof manualClock>;
}
interface Real {
  cache: FastMmapCache<Value>;
  reopen(): void;
}

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const live = (m: Model, key: string) => {
  const e = m.entries.get(key);
  return e && (e.expiresAt === 0 || m.clock.now < e.expiresAt) ? e : undefined;
};
/** The cache removes an expired entry when a locked operation finds it; so does the model. */
const dropIfExpired = (m: Model, key: string) => {
  if (m.entries.has(key) && !live(m, key)) m.entries.delete(key);
};
const expiry = (m: Model, ttl: number | undefined) => (ttl ? m.clock.now + ttl : 0);

const key = fc.constantFrom('a', 'b', 'c', 'sess:é', 'k'.repeat(60), '🔑');
const value = fc.oneof(fc.integer(), fc.string({ maxLength: 40 }));
// Round ttls and ticks make the clock land exactly on expiry instants often.
const ttl = fc.option(fc.constantFrom(1000, 2500, 5000), { nil: undefined });

const set = fc.tuple(key, value, ttl).map(
  ([k, v, ms]): fc.Command<Model, Real> => ({
    check: () => true,
    run(m, r) {
      r.cache.set(k, v, ms === undefined ? undefined : { ttl: ms });
      m.entries.set(k, { value: v, expiresAt: expiry(m, ms) });
    },
    toString: () => `set(${k}, ${JSON.stringify(v)}, ${ms})`,
  }),
);
const get = key.map(
  (k): fc.Command<Model, Real> => ({
    check: () => true,
    run(m, r) {
      expect(r.cache.get(k)).toEqual(live(m, k)?.value);
      expect(r.cache.has(k)).toBe(live(m, k) !== undefined);
    },
    toString: () => `get(${k})`,
  }),
);
const del = key.map(
  (k): fc.Command<Model, Real> => ({
    check: () => true,
    run(m, r) {
      expect(r.cache.delete(k)).toBe(live(m, k) !== undefined);
      m.entries.delete(k);
    },
    toString: () => `delete(${k})`,
  }),
);
const getAndSet = fc.tuple(key, fc.constantFrom('inc', 'append', 'remove'), ttl).map(
  ([k, op, ms]): fc.Command<Model, Real> => ({
    check: () => true,
    run(m, r) {
      const fn = (cur: Value | undefined): Value | undefined =>
        op === 'remove'
          ? undefined
          : op === 'inc'
            ? typeof cur === 'number'
              ? cur + 1
              : 0
            : `${cur ?? ''}+`;
      const expected = fn(live(m, k)?.value);
      expect(r.cache.getAndSet(k, fn, ms === undefined ? undefined : { ttl: ms })).toEqual(
        expected,
      );
      if (expected === undefined) m.entries.delete(k);
      else m.entries.set(k, { value: expected, expiresAt: expiry(m, ms) });
    },
    toString: () => `getAndSet(${k}, ${op}, ${ms})`,
  }),
);
const touch = fc.tuple(key, ttl).map(
  ([k, ms]): fc.Command<Model, Real> => ({
    check: () => true,
    run(m, r) {
      const e = live(m, k);
      expect(r.cache.touch(k, { ttl: ms ?? 0 })).toBe(e !== undefined);
      if (e) e.expiresAt = expiry(m, ms);
      dropIfExpired(m, k);
    },
    toString: () => `touch(${k}, ${ms})`,
  }),
);
const tick = fc.oneof(fc.constantFrom(500, 1000, 2500), fc.integer({ min: 1, max: 3000 })).map(
  (ms): fc.Command<Model, Real> => ({
    check: () => true,
    run(m) {
      m.clock.advance(ms);
    },
    toString: () => `tick(${ms})`,
  }),
);
const purge: fc.Arbitrary<fc.Command<Model, Real>> = fc.constant({
  check: () => true,
  run(m, r) {
    const expired = [...m.entries.keys()].filter((k) => !live(m, k));
    expect(r.cache.purge()).toBe(expired.length);
    for (const k of expired) m.entries.delete(k);
  },
  toString: () => 'purge()',
});
const listKeys: fc.Arbitrary<fc.Command<Model, Real>> = fc.constant({
  check: () => true,
  run(m, r) {
    const expected = [...m.entries.keys()].filter((k) => live(m, k)).sort();
    expect([...r.cache.keys()].sort()).toEqual(expected);
    expect(r.cache.stats().items).toBe(m.entries.size);
  },
  toString: () => 'keys()',
});
const clear: fc.Arbitrary<fc.Command<Model, Real>> = fc.constant({
  check: () => true,
  run(m, r) {
    r.cache.clear();
    m.entries.clear();
  },
  toString: () => 'clear()',
});
const reopen: fc.Arbitrary<fc.Command<Model, Real>> = fc.constant({
  check: () => true,
  run(_m, r) {
    r.reopen();
  },
  toString: () => 'close+reopen',
});

it('behaves like a Map with absolute expiry, across close and reopen', () => {
  let run = 0;
  fc.assert(
    fc.property(
      fc.commands(
        [
          set,
          set,
          get,
          get,
          del,
          getAndSet,
          getAndSet,
          touch,
          tick,
          purge,
          listKeys,
          clear,
          reopen,
        ],
        {
          maxCommands: 60,
        },
      ),
      (commands) => {
        const clock = manualClock();
        const options: CacheOptions = {
          path: `${t.dir}/model-${run++}.fmc`,
          pageSize: 16384,
          numPages: 3,
          clock: clock.fn,
        };
        const real: Real = {
          cache: FastMmapCache.open<Value>(options),
          reopen() {
            this.cache.close();
            this.cache = FastMmapCache.open<Value>(options);
          },
        };
        try {
          fc.modelRun(() => ({ model: { entries: new Map(), clock }, real }), commands);
          expect(real.cache.verify().ok).toBe(true);
        } finally {
          real.cache.close();
        }
      },
    ),
    { numRuns: 150 },
  );
});
