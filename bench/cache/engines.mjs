// The engines under test behind one small interface. fastmmap is loaded lazily so the lmdb side
// runs even while the cache is being built.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CACHE_SIZE = 32 * 1024 * 1024; // 10,000 x ~1 KiB live, room for overwrites

export const ENGINES = {
  /** @param {'raw' | 'object'} kind */
  async fastmmap(dir, kind) {
    // BENCH_FASTMMAP_MODULE: another build of the cache (a file path), for before/after runs.
    const from = process.env.BENCH_FASTMMAP_MODULE;
    const { FastMmapCache } = await import(
      from ? pathToFileURL(from).href : '@fastmmap/session-core/cache'
    );
    const cache = FastMmapCache.open({
      path: join(dir, `fastmmap-${kind}.fmcache`),
      codec: kind === 'raw' ? 'raw' : 'cbor',
      pageSize: 65536,
      cacheSize: CACHE_SIZE,
    });
    return {
      get: (k) => cache.get(k),
      set: (k, v) => cache.set(k, v),
      stats: () => {
        const s = cache.stats();
        return { items: s.items, evictions: s.evictions, repairedPages: s.repairedPages };
      },
      close: () => cache.close(),
    };
  },
  async lmdb(dir, kind) {
    const { open } = await import('lmdb');
    const path = join(dir, `lmdb-${kind}`);
    // The raw case compares with lmdb's fastest binary path; the object case with its default
    // msgpack encoding. noSync: like the cache, durability is not part of the comparison.
    const db =
      kind === 'raw'
        ? open({ path, noSync: true, encoding: 'binary' })
        : open({ path, noSync: true });
    return {
      get: kind === 'raw' ? (k) => db.getBinary(k) : (k) => db.get(k),
      set: (k, v) => db.putSync(k, v),
      stats: () => ({ items: db.getCount() }),
      close: () => db.close(),
    };
  },
};
