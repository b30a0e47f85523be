import { expect } from 'vitest';
import { runCrossProcessIncrements } from '../cross-process.js';
import type { Check } from '../types.js';
import { freshId, HOUR } from './helpers.js';

function increment(current: Record<string, unknown> | undefined) {
  return { n: (typeof current?.n === 'number' ? current.n : 0) + 1 };
}

export const getAndSetChecks = {
  'delete: removes the session, and deleting a missing id is not an error': async ({ store }) => {
    const id = freshId('del');
    await store.store(id, { n: 1 }, HOUR);
    await store.delete(id);
    expect(await store.get(id)).toBeUndefined();
    await expect(store.delete(id)).resolves.toBeUndefined();
    await expect(store.delete(freshId('never'))).resolves.toBeUndefined();
  },

  'getAndSet: fn gets undefined for a missing id; the result is stored and returned': async ({
    store,
  }) => {
    const id = freshId('gas');
    let seen: unknown = 'fn not called';
    const result = await store.getAndSet(
      id,
      (current) => {
        seen = current;
        return { created: true };
      },
      HOUR,
    );
    expect(seen).toBeUndefined();
    expect(result).toStrictEqual({ created: true });
    expect(await store.get(id)).toStrictEqual({ created: true });
  },

  'getAndSet: fn gets the current data (Dates included)': async ({ store }) => {
    const id = freshId('gas-current');
    await store.store(id, { n: 1, when: new Date(3) }, HOUR);
    let seen: unknown;
    await store.getAndSet(
      id,
      (current) => {
        seen = current;
        return current;
      },
      HOUR,
    );
    expect(seen).toStrictEqual({ n: 1, when: new Date(3) });
  },

  'getAndSet: fn returning undefined deletes the session': async ({ store }) => {
    const id = freshId('gas-del');
    await store.store(id, { n: 1 }, HOUR);
    expect(await store.getAndSet(id, () => undefined, HOUR)).toBeUndefined();
    expect(await store.get(id)).toBeUndefined();
  },

  'getAndSet: a throwing fn rejects with its error and keeps the old data': async ({ store }) => {
    const id = freshId('gas-throw');
    await store.store(id, { n: 1 }, HOUR);
    const boom = new Error('boom');
    await expect(
      store.getAndSet(
        id,
        () => {
          throw boom;
        },
        HOUR,
      ),
    ).rejects.toBe(boom);
    expect(await store.get(id)).toStrictEqual({ n: 1 });
  },

  'getAndSet: concurrent increments in one process lose none': async ({ store, options }) => {
    const id = freshId('gas-concurrent');
    const n = options.concurrency ?? 100;
    await Promise.all(Array.from({ length: n }, () => store.getAndSet(id, increment, HOUR)));
    expect(await store.get(id)).toStrictEqual({ n });
  },
} satisfies Record<string, Check>;

export const crossProcessChecks = {
  'getAndSet: increments from several real processes at once lose none': async ({
    store,
    options,
  }) => {
    const cross = options.crossProcess;
    if (cross === undefined) throw new Error('this check needs the crossProcess option');
    const id = freshId('gas-processes');
    const processes = cross.processes ?? 4;
    const increments = cross.increments ?? 500;
    await runCrossProcessIncrements({
      childModule: cross.childModule,
      childArgs: cross.childArgs?.(store) ?? [],
      processes,
      increments,
      id,
      ttlMs: HOUR,
    });
    expect(await store.get(id)).toStrictEqual({ n: processes * increments });
  },
} satisfies Record<string, Check>;

export { increment };
