import type { Store } from '@fastmmap/session-core';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { errorChecks, oversizeCheck } from './checks/errors.js';
import { expiryChecks } from './checks/expiry.js';
import { crossProcessChecks, getAndSetChecks } from './checks/get-and-set.js';
import { richTypeChecks, roundTripChecks } from './checks/round-trip.js';
import { createTestClock, type TestClock } from './clock.js';
import type { Check, ConformanceOptions, StoreFactory, StoreFactoryContext } from './types.js';
import { viaSync } from './via-sync.js';

/** Every check by name, for running one directly (e.g. to prove it fails on a broken store). */
export const storeChecks = {
  ...roundTripChecks,
  ...richTypeChecks,
  ...expiryChecks,
  ...getAndSetChecks,
  ...crossProcessChecks,
  ...errorChecks,
  'oversized data is ERR_SESSION_TOO_LARGE, and the old value stays': oversizeCheck,
} satisfies Record<string, Check>;

/**
 * Registers the Store conformance suite (vitest describe/it) for one store. The factory is
 * called before each check with `{ clock }` and must return a fresh store that uses that
 * clock; the suite closes the store after the check.
 */
export function describeStoreConformance(
  name: string,
  factory: StoreFactory,
  options: ConformanceOptions,
): void {
  // Every store holds plain objects; the checks write their own, whatever the store's type.
  const open = async (context: StoreFactoryContext) => (await factory(context)) as Store;
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    let clock: TestClock;

    beforeEach(async () => {
      clock = createTestClock();
      store = await open({ clock });
    });
    afterEach(async () => {
      await store.close();
    });

    const register = (checks: Record<string, Check>) => {
      for (const [title, check] of Object.entries(checks)) {
        it(title, () => check({ store, clock, options }));
      }
    };

    register(roundTripChecks);
    if (options.richTypes) register(richTypeChecks);
    register(getAndSetChecks);
    register(errorChecks);

    const { touch, rest } = splitTouchChecks(expiryChecks);
    if (options.clock === false) {
      for (const title of Object.keys(expiryChecks)) {
        it.skip(`${title} (skipped: this store does not follow an injected clock)`, () => {});
      }
    } else {
      register(rest);
      // touch is optional in the contract: its checks skip themselves on a store without it.
      for (const [title, check] of Object.entries(touch)) {
        it(title, async (ctx) => {
          if (store.touch === undefined) ctx.skip();
          await check({ store, clock, options });
        });
      }
    }

    if (options.maxSize === null) {
      it.skip('oversized data (skipped: this store declares no size limit)', () => {});
    } else {
      it('oversized data is ERR_SESSION_TOO_LARGE, and the old value stays', () =>
        oversizeCheck({ store, clock, options }));
    }

    if (options.crossProcess !== undefined) register(crossProcessChecks);
  });

  if (options.sync === true) {
    describeStoreConformance(
      `${name} through Store.sync`,
      async (context) => viaSync(await open(context)),
      { ...options, sync: false, crossProcess: undefined },
    );
  }
}

function splitTouchChecks(checks: Record<string, Check>): {
  touch: Record<string, Check>;
  rest: Record<string, Check>;
} {
  const touch: Record<string, Check> = {};
  const rest: Record<string, Check> = {};
  for (const [title, check] of Object.entries(checks)) {
    (title.startsWith('touch:') ? touch : rest)[title] = check;
  }
  return { touch, rest };
}
