import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// What both projects share. Not `extends: true`: that would run globalSetup once more per
// project, each nesting its TMPDIR in the last one's (0700), out of the user nobody's reach.
const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  setupFiles: ['./vitest.setup.ts'],
};

const OWN_MAP_TESTS = [
  'own-map',
  'multiprocess',
  'open-and-file',
  'api',
  'group-reader',
  'watched-restart',
  'crash-recovery',
  'held-locks',
  'map-failure',
];

export default defineConfig({
  test: {
    globalSetup: ['./vitest.global-setup.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'default',
          include: [
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'scripts/test/**/*.test.ts',
          ],
        },
      },
      {
        // On Node 23+ @riaskov/mmap-io does not build and the cache maps with session-core's own
        // addon: the cache tests that share, reopen and read files run again forced onto it.
        test: {
          ...shared,
          name: 'session-core cache on its own map',
          env: { FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_OWN_MAP: '1' },
          include: OWN_MAP_TESTS.map((name) => `packages/session-core/test/cache/${name}.test.ts`),
        },
      },
      {
        // @fastmmap/redis-store accepts node-redis 5 or 6 and the lockfile installs 6: its tests
        // run again with every `redis` import (the store's own client and the tests') on 5.
        resolve: {
          alias: [
            {
              find: /^redis$/,
              replacement: fileURLToPath(
                new URL('./packages/redis-store/node_modules/redis-v5', import.meta.url),
              ),
            },
          ],
        },
        test: {
          ...shared,
          name: 'redis-store on node-redis 5',
          include: ['packages/redis-store/test/**/*.test.ts'],
        },
      },
    ],
  },
});
