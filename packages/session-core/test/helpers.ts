import {
  createSessionManager,
  MemoryStore,
  type SessionManagerOptions,
  type Store,
  type StoredData,
} from '../src/index.js';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const OLD_SECRET = 'an-older-secret-also-at-least-32-characters';

/** A clock the test moves by hand: expiry is tested without sleeping. */
export function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  const clock = () => now;
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

export type StoreCall = [method: string, id?: string];

/** Wraps a store and records every call, so tests can assert what was (not) written. */
export function recordingStore<S extends Store>(
  inner: S,
  options: { sync?: boolean } = {},
): S & { calls: StoreCall[]; writes(): StoreCall[] } {
  const calls: StoreCall[] = [];
  const innerSync = inner.sync;
  if (options.sync === true && innerSync === undefined) throw new Error('inner store is not sync');
  // Passed on (and recorded under the same names) only when asked: tests choose the path.
  const sync =
    options.sync === true && innerSync !== undefined
      ? {
          getSync: (id: string) => {
            calls.push(['get', id]);
            return innerSync.getSync(id);
          },
          getAndSetSync: (
            id: string,
            fn: (c: StoredData | undefined) => StoredData | undefined,
            ttl: number,
          ) => {
            calls.push(['getAndSet', id]);
            return innerSync.getAndSetSync(id, fn, ttl);
          },
        }
      : undefined;
  const wrapper = {
    calls,
    sync,
    writes: () => calls.filter(([m]) => m !== 'get'),
    get: (id: string) => {
      calls.push(['get', id]);
      return inner.get(id);
    },
    store: (id: string, data: StoredData, ttl: number) => {
      calls.push(['store', id]);
      return inner.store(id, data, ttl);
    },
    delete: (id: string) => {
      calls.push(['delete', id]);
      return inner.delete(id);
    },
    deleteExpired: () => inner.deleteExpired(),
    getAndSet: (
      id: string,
      fn: (c: StoredData | undefined) => StoredData | undefined,
      ttl: number,
    ) => {
      calls.push(['getAndSet', id]);
      return inner.getAndSet(id, fn, ttl);
    },
    touch: (id: string, ttl: number) => {
      calls.push(['touch', id]);
      return inner.touch!(id, ttl);
    },
    close: () => inner.close(),
  };
  return wrapper as unknown as S & { calls: StoreCall[]; writes(): StoreCall[] };
}

/** The `name=value` pair a browser would send back for a Set-Cookie header value. */
export function cookiePair(setCookie: string | undefined): string {
  if (setCookie === undefined) throw new Error('expected a Set-Cookie header');
  return setCookie.split(';')[0]!;
}

/** Attributes of a Set-Cookie value, lower-cased names. */
export function cookieAttributes(setCookie: string): Map<string, string> {
  const parts = setCookie.split(';').slice(1);
  return new Map(
    parts.map((p) => {
      const [k, ...v] = p.trim().split('=');
      return [k!.toLowerCase(), v.join('=')];
    }),
  );
}

/**
 * A manager on a recorded MemoryStore with a fake clock, through the async Store methods or
 * through Store.sync (the path the manager takes, committing in the call, when offered).
 */
export function managerSetup(mode: 'async' | 'sync', options: Partial<SessionManagerOptions> = {}) {
  const clock = fakeClock();
  const memory = new MemoryStore({ clock });
  const store = recordingStore(memory, { sync: mode === 'sync' });
  const manager = createSessionManager({ secret: SECRET, store, clock, ...options });
  return { clock, memory, store, manager };
}
