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
