import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertSupportedData,
  assertValidId,
  assertValidTtl,
  FastMmapStore,
  MemoryStore,
  type Store,
  type StoredData,
} from '@fastmmap/session-core';
import { describe, expect, it } from 'vitest';
import {
  type CheckEnv,
  type ConformanceOptions,
  createTestClock,
  storeChecks,
} from '../src/index.js';

type Flaw =
  | 'aliases'
  | 'non-atomic'
  | 'ignores-ttl'
  | 'no-validation'
  | 'drops-oversized'
  | 'upserts-on-touch';

/** A store with exactly one deliberate flaw; otherwise it follows the contract. */
class FlawedStore implements Store {
  readonly #items = new Map<string, { data: StoredData; expiresAt: number }>();
  constructor(
    private readonly flaw: Flaw,
    private readonly clock: () => number,
    private readonly maxSize = 1024,
  ) {}

  #check(id: string, ttl?: number, data?: StoredData) {
    if (this.flaw === 'no-validation') return;
    assertValidId(id);
    if (ttl !== undefined) assertValidTtl(ttl);
    if (data !== undefined) assertSupportedData(data);
  }
  #copy<T>(value: T): T {
    return this.flaw === 'aliases' ? value : structuredClone(value);
  }
  #live(id: string) {
    const item = this.#items.get(id);
    if (item === undefined) return undefined;
    if (this.flaw !== 'ignores-ttl' && item.expiresAt <= this.clock()) return undefined;
    return item;
  }
  #put(id: string, data: StoredData, ttl: number) {
    if (JSON.stringify(data).length > this.maxSize) {
      if (this.flaw === 'drops-oversized') return;
      const err = Object.assign(new Error('too large'), {
        name: 'SessionError',
        code: 'ERR_SESSION_TOO_LARGE',
      });
      throw err;
    }
    this.#items.set(id, { data: this.#copy(data), expiresAt: this.clock() + ttl });
  }
  async get(id: string) {
    this.#check(id);
    const item = this.#live(id);
    return item && this.#copy(item.data);
  }
  async store(id: string, data: StoredData, ttl: number) {
    this.#check(id, ttl, data);
    this.#put(id, data, ttl);
  }
  async delete(id: string) {
    this.#check(id);
    this.#items.delete(id);
  }
  async deleteExpired() {
    return 0;
  }
  async getAndSet(
    id: string,
    fn: (c: StoredData | undefined) => StoredData | undefined,
    ttl: number,
  ) {
    this.#check(id, ttl);
    const current = await this.get(id);
    // The classic lost update: another caller runs between the read and the write.
    if (this.flaw === 'non-atomic') await new Promise((resolve) => setImmediate(resolve));
    const next = fn(current);
    if (next === undefined) this.#items.delete(id);
    else {
      this.#check(id, ttl, next);
      this.#put(id, next, ttl);
    }
    return next;
  }
  async touch(id: string, ttl: number) {
    this.#check(id, ttl);
    const item = this.#live(id);
    if (item === undefined) {
      if (this.flaw === 'upserts-on-touch')
        this.#items.set(id, { data: {}, expiresAt: this.clock() + ttl });
      return this.flaw === 'upserts-on-touch';
    }
    item.expiresAt = this.clock() + ttl;
    return true;
  }
  async close() {}
}

const options: ConformanceOptions = { maxSize: 1024 };

function envFor(flaw: Flaw): CheckEnv {
  const clock = createTestClock();
  return { store: new FlawedStore(flaw, clock), clock, options };
}

describe('the conformance suite fails a store that breaks the contract', () => {
  it.each([
    ['aliases', 'copies data on the way in: mutating after store() changes nothing stored'],
    ['aliases', 'copies data on the way out: mutating what get() returned changes nothing stored'],
    ['non-atomic', 'getAndSet: concurrent increments in one process lose none'],
    [
      'ignores-ttl',
      'store: the session lives until ttlMs has passed on the injected clock, then is gone',
    ],
    [
      'ignores-ttl',
      'getAndSet: what it writes expires ttlMs from now, and it sees an expired session as missing',
    ],
    [
      'no-validation',
      'bad ids (empty, not a string, lone surrogate) are ERR_SESSION_INVALID_ID in every method',
    ],
    [
      'no-validation',
      'data that cannot round-trip is ERR_SESSION_UNSUPPORTED_DATA, and the old value stays',
    ],
    ['drops-oversized', 'oversized data is ERR_SESSION_TOO_LARGE, and the old value stays'],
    ['upserts-on-touch', 'touch: returns false for a missing or expired id and creates nothing'],
    [
      'ignores-ttl',
      'deleteExpired: removes expired sessions, keeps live ones and returns how many',
    ],
  ] as [Flaw, keyof typeof storeChecks][])('flaw "%s" fails "%s"', async (flaw, check) => {
    await expect(storeChecks[check](envFor(flaw))).rejects.toThrow();
  });

  it('the same checks pass on MemoryStore (the failures come from the flaws)', async () => {
    for (const check of Object.keys(storeChecks) as (keyof typeof storeChecks)[]) {
      if (check.startsWith('getAndSet: increments from several')) continue;
      const clock = createTestClock();
      await storeChecks[check]({
        store: new MemoryStore({ clock, maxSize: 1024 }),
        clock,
        options,
      });
    }
  });

  it('fails a store that is not shared between processes on the cross-process check', async () => {
    const clock = createTestClock();
    const childModule = fileURLToPath(new URL('./fixtures/memory-child.mjs', import.meta.url));
    const env: CheckEnv = {
      store: new MemoryStore({ clock }),
      clock,
      options: { maxSize: null, crossProcess: { childModule, processes: 2, increments: 10 } },
    };
    await expect(
      storeChecks['getAndSet: increments from several real processes at once lose none'](env),
    ).rejects.toThrow(/expected undefined to strictly equal/);
  });

  it('fails processes that share a file but update it without the lock (the check sees real overlap)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-racy-'));
    try {
      const clock = createTestClock();
      const store = new FastMmapStore({ storage: join(dir, 'racy.fmcache'), numPages: 8, clock });
      const childModule = fileURLToPath(
        new URL('./fixtures/fastmmap-racy-child.mjs', import.meta.url),
      );
      const env: CheckEnv = {
        store,
        clock,
        options: {
          maxSize: null,
          crossProcess: {
            childModule,
            childArgs: () => [store.path, '8'],
            processes: 4,
            increments: 300,
          },
        },
      };
      await expect(
        storeChecks['getAndSet: increments from several real processes at once lose none'](env),
      ).rejects.toThrow(/expected \{ n: \d+ \} to strictly equal \{ n: 1200 \}/);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
