import type { Store, StoredData, SyncStoreAccess } from './types.js';

/**
 * `store`, when its get and getAndSet are still the ones of `base` (its class): a subclass
 * that overrides either must be called through them, not around them.
 */
export function syncUnlessOverridden<D extends StoredData>(
  store: Store<D> & SyncStoreAccess<D>,
  base: Pick<Store<D>, 'get' | 'getAndSet'>,
): SyncStoreAccess<D> | undefined {
  return store.get === base.get && store.getAndSet === base.getAndSet ? store : undefined;
}
