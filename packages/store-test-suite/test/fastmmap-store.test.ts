import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastMmapStore } from '@fastmmap/session-core';
import { afterAll } from 'vitest';
import { describeStoreConformance } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fm-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describeStoreConformance(
  'FastMmapStore',
  ({ clock }) =>
    new FastMmapStore({ storage: join(dir, `${++files}.fmcache`), numPages: 8, clock }),
  {
    // A session must fit in one 64 KiB page.
    maxSize: 65_536,
    richTypes: true,
    sync: true,
    crossProcess: {
      childModule: fileURLToPath(new URL('./fixtures/fastmmap-child.mjs', import.meta.url)),
      childArgs: (store) => [(store as FastMmapStore).path, '8'],
      processes: 4,
      increments: 1000,
    },
  },
);
