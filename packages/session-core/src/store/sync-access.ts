import type { Store, SyncStoreAccess } from './types.js';

/**
 * For stores whose work is synchronous at heart: implement getSync and getAndSetSync, and get
 * the async get and getAndSet, and Store.sync, from them. `sync` is undefined once a subclass
 * overrides get or getAndSet: those must then be called, not gone around.
 */
export abstract class SyncBackedStore<D extends object>
  implements Pick<Store<D>, 'get' | 'getAndSet' | 'sync'>, SyncStoreAccess<D>
{
  abstract getSync(id: string): D | undefined;

  abstract getAndSetSync(
    id: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
  ): D | undefined;

  /** See Store.sync: this store itself, unless a subclass overrides get or getAndSet. */
  get sync(): SyncStoreAccess<D> | undefined {
    const base = SyncBackedStore.prototype;
    return this.get === base.get && this.getAndSet === base.getAndSet ? this : undefined;
  }

  async get(id: string): Promise<D | undefined> {
    return this.getSync(id);
  }

  async getAndSet(
    id: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
  ): Promise<D | undefined> {
    return this.getAndSetSync(id, fn, ttlMs);
  }
}
