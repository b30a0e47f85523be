import { fileURLToPath } from 'node:url';
import { describeStoreConformance } from '@fastmmap/store-test-suite';
import { afterAll, beforeAll, describe } from 'vitest';
import { RedisStore } from '../src/index.js';
import type { RedisServer } from './helpers/redis-server.js';
import { redisBinary, skipReason, startRedis } from './helpers/setup.js';

const MAX_BYTES = 256 * 1024;
let prefixes = 0;

describe.skipIf(!redisBinary.found)(`RedisStore on a real redis-server${skipReason}`, () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  describeStoreConformance(
    'RedisStore',
    // A fresh prefix per check: an empty store on the shared server.
    ({ clock }) =>
      new RedisStore({
        url: server.url,
        clock,
        prefix: `conf${++prefixes}:`,
        maxBytes: MAX_BYTES, // the default getAndSet retry policy, as users get it
      }),
    {
      maxSize: MAX_BYTES,
      expiresByItself: true,
      richTypes: true,
      crossProcess: {
        childModule: fileURLToPath(new URL('./fixtures/conformance-child.mjs', import.meta.url)),
        childArgs: (store) => [server.url, (store as RedisStore).prefix],
      },
    },
  );
});
