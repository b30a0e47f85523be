import { MemoryStore, type StoredData } from '@fastmmap/session-core';

/**
 * A MemoryStore without its synchronous path, so sessions commit asynchronously as on
 * RedisStore, whose writes first wait for `beforeWrite()` when it is set (a slow or failing
 * backend, or a test's chance to act while a commit is pending).
 */
export class GatedStore extends MemoryStore {
  beforeWrite: (() => Promise<unknown>) | undefined;

  override get sync() {
    return undefined;
  }

  override async getAndSet(
    id: string,
    fn: (current: StoredData | undefined) => StoredData | undefined,
    ttlMs: number,
  ): Promise<StoredData | undefined> {
    await this.beforeWrite?.();
    return super.getAndSet(id, fn, ttlMs);
  }
}
