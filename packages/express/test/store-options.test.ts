import { expectStoreOptionDocs } from '@fastmmap/adapter-test-suite';
import { it } from 'vitest';

it("ExpressSessionStoreOptions' doc comments give the store's defaults, not the cache's", () => {
  expectStoreOptionDocs(
    '@fastmmap/express/store',
    'ExpressSessionStoreOptions',
    import.meta.dirname,
  );
});
