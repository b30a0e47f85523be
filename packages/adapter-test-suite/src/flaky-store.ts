import { MemoryStore, type StoredData } from '@fastmmap/session-core';

/**
 * A MemoryStore whose reads (`failGet`) or writes (`failStore`: destroy()'s tombstone, a
 * getAndSet) fail with Error('backend down') while the flag is set: a store outage, switched on
 * and off.
 */
export class FlakyStore extends MemoryStore {
  failGet = false;
  failStore = false;

  override async get(id: string): Promise<StoredData | undefined> {
    if (this.failGet) throw new Error('backend down');
    return super.get(id);
  }

  override async store(id: string, data: StoredData, ttlMs: number): Promise<void> {
    if (this.failStore) throw new Error('backend down');
    return super.store(id, data, ttlMs);
  }

  override async getAndSet(
    id: string,
    fn: (current: StoredData | undefined) => StoredData | undefined,
    ttlMs: number,
  ): Promise<StoredData | undefined> {
    if (this.failStore) throw new Error('backend down');
    return super.getAndSet(id, fn, ttlMs);
  }
}
