import { expectStoreOptionDocs } from '@fastmmap/adapter-test-suite';
import { it } from 'vitest';

it("KoaSessionStoreOptions' doc comments give the store's defaults, not the cache's", () => {
  expectStoreOptionDocs('@fastmmap/koa/store', 'KoaSessionStoreOptions', import.meta.dirname);
});
