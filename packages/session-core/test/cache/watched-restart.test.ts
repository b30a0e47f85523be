import { spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
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
  it('changes nothing a watcher sees, so the watcher does not restart the app again', () => {
    runApp(t.path); // the first start creates the files: one restart, as for any new file
    // A watcher sees a change of times (inotify's IN_ATTRIB), which also sets the ctime.
    const ctimes = () => [0, 1].map((n) => statSync(`${t.path}.lock-${n}`).ctimeMs);
    const before = ctimes();
    runApp(t.path); // the restart
    expect(ctimes()).toEqual(before);
  });

  it('still sets the times of lock files last set over an hour ago, for temp cleaners', () => {
    runApp(t.path);
    const old = (Date.now() - 2 * 3_600_000) / 1000;
    for (const n of [0, 1]) utimesSync(`${t.path}.lock-${n}`, old, old);
    const started = Date.now();
    runApp(t.path);
    for (const n of [0, 1]) {
      expect(statSync(`${t.path}.lock-${n}`).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
    }
  });
});
