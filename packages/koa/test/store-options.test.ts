import { propertyDocs } from '@fastmmap/adapter-test-suite';
import { expect, it } from 'vitest';

it("KoaSessionStoreOptions' doc comments give the store's defaults, not the cache's", () => {
  const docs = propertyDocs('@fastmmap/koa/store', 'KoaSessionStoreOptions', import.meta.dirname);
  expect(docs.numPages).toMatch(/Default 512 /);
  expect(docs.cacheSize).toMatch(/Default 512 pages/);
  expect(docs.pageSize).toMatch(/Default 65536/);
  // Cache errors reach the app as SessionErrors.
  expect(docs.lockTimeout).toMatch(/ERR_SESSION_STORE_UNAVAILABLE/);
  expect(docs.clock).toMatch(/Default `Date.now`/);
  for (const [name, doc] of Object.entries(docs)) {
    expect(doc, name).not.toMatch(/Default 89|ERR_FASTMMAP_/);
  }
});
