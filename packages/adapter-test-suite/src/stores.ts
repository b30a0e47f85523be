import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, FastMmapStore, MemoryStore, type Store } from '@fastmmap/session-core';

/**
 * 'fastmmap' and 'memory' answer synchronously too (Store.sync), so the manager commits in the
 * call; 'fastmmap-async' is the same FastMmapStore without Store.sync, for the promise path.
 */
export type StoreKind = 'fastmmap' | 'fastmmap-async' | 'memory';

/** A FastMmapStore reached only through its async methods, as a networked store would be. */
class AsyncOnlyFastMmapStore extends FastMmapStore {
  override get sync(): undefined {
    return undefined;
  }
}

export interface TestStore {
  store: Store;
  dispose(): Promise<void>;
}

/** A fresh store per test: a FastMmapStore on a small file in its own temp dir, or a MemoryStore. */
export function createTestStore(kind: StoreKind, clock: Clock): TestStore {
  if (kind === 'memory') {
    const store = new MemoryStore({ clock });
    return { store, dispose: () => store.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'fastmmap-adapter-'));
  const StoreClass = kind === 'fastmmap-async' ? AsyncOnlyFastMmapStore : FastMmapStore;
  const store = new StoreClass({
    storage: join(dir, 'sessions.fmcache'),
    pageSize: 65536,
    numPages: 8,
    clock,
  });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
