import type { Store } from '@fastmmap/session-core';

/**
 * `store` with get and getAndSet answered by its Store.sync methods (failures turned into
 * rejections, as the async methods give them), so the whole suite checks those too.
 */
export function viaSync(store: Store): Store {
  const sync = store.sync;
  if (sync === undefined) throw new Error('the store was declared sync but has no Store.sync');
  return {
    get: async (id) => sync.getSync(id),
    getAndSet: async (id, fn, ttlMs) => sync.getAndSetSync(id, fn, ttlMs),
    store: (id, data, ttlMs) => store.store(id, data, ttlMs),
    delete: (id) => store.delete(id),
    deleteExpired: () => store.deleteExpired(),
    ...(store.touch === undefined ? {} : { touch: store.touch.bind(store) }),
    close: () => store.close(),
  };
}
