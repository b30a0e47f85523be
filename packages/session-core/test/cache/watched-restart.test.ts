import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from './helpers.js';

/** Child processes run the built library, as an app restarted by a process manager does. */
const built = fileURLToPath(new URL('../../dist/cache/index.js', import.meta.url));

/** One app start: open the cache, write, close, exit. */
function runApp(path: string): void {
  const script = `
    const { FastMmapCache } = await import(${JSON.stringify(built)});
    const cache = FastMmapCache.open({ path: ${JSON.stringify(path)}, pageSize: 4096, numPages: 4, lockStripes: 2 });
    cache.set('k', process.pid);
    cache.close();
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

describe('a restart under a file watcher (PM2 --watch with the cache in the app directory)', () => {
  it('creates and removes no file beside the cache, so the watcher does not restart it again', () => {
    runApp(t.path); // the first start creates the file: one restart, as for any new file
    expect(readdirSync(t.dir)).toEqual(['cache.fmc']);
    // Alone on the file, the restart makes the page locks anew inside it: format 1 kept them
    // in lock files beside it, whose times it set.
    runApp(t.path);
    expect(readdirSync(t.dir)).toEqual(['cache.fmc']);
  });
});
