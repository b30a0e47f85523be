import { propertyDocs } from '@fastmmap/adapter-test-suite';
import { expect, it } from 'vitest';

it('FastifySessionStoreOptions documents every option', () => {
  const docs = propertyDocs(
    '@fastmmap/fastify/store',
    'FastifySessionStoreOptions',
    import.meta.dirname,
  );
  expect(Object.keys(docs).sort()).toEqual(['appName', 'clock', 'store', 'ttl']);
  expect(docs.ttl).toMatch(/Default one day/);
  expect(docs.clock).toMatch(/Default `Date.now`/);
});
