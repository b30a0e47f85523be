// A relative `storage` (or cache `path`) is resolved against the cwd at open: a PM2 or systemd
// app whose cwd is not what its operator thinks must be told which file, and a later chdir must
// not make the app look at another one. Real processes: each test's app runs in a cwd of its own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';

const lib = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const cacheLib = fileURLToPath(new URL('../../dist/cache/index.js', import.meta.url));

let cwd: string;
beforeEach(() => {
  cwd = realpathSync(mkdtempSync(join(tmpdir(), 'fm-relative-')));
  mkdirSync(join(cwd, 'run'), { mode: 0o700 });
  mkdirSync(join(cwd, 'elsewhere'), { mode: 0o700 });
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs `body` (an async module body with FastMmapStore, FastMmapCache, out) in `cwd`. */
function app(body: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const script = `
    const { FastMmapStore } = await import(${JSON.stringify(lib)});
    const { FastMmapCache } = await import(${JSON.stringify(cacheLib)});
    const out = {};
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.message));
    ${body}
    await new Promise((r) => setImmediate(r));
    console.log(JSON.stringify({ ...out, warnings }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    env,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

it('an open failure names the file by its absolute path', () => {
  writeFileSync(join(cwd, 'run', 'sessions.fmcache'), 'not a cache file', { mode: 0o600 });
  const out = app(`
    try { new FastMmapStore({ storage: 'run/sessions.fmcache' }); }
    catch (err) { out.code = err.code; out.message = err.message; }
  `);
  expect(out.code).toBe('ERR_SESSION_STORE_UNAVAILABLE');
  const absolute = join(cwd, 'run', 'sessions.fmcache');
  expect(out.message).toContain(`could not open the session file ${absolute}: ${absolute} is not`);
});

it('path, stats() and the pressure warning give the absolute path', () => {
  const out = app(`
    const store = new FastMmapStore({ storage: 'run/sessions.fmcache' });
    out.storePath = store.path;
    store.close();
    let now = Date.now();
    const cache = FastMmapCache.open({ path: 'run/cache.fmcache', pageSize: 4096, numPages: 1,
      clock: () => now, pressure: { maxEvictionsPerInterval: 1, intervalMs: 1000 } });
    out.cachePath = cache.path;
    out.statsPath = cache.stats().path;
    for (let i = 0; i < 60; i++) cache.set('k' + i, 'x'.repeat(200));
    now += 2000;
    cache.set('after', 1);
    cache.close();
  `);
  expect(out.storePath).toBe(join(cwd, 'run', 'sessions.fmcache'));
  expect(out.cachePath).toBe(join(cwd, 'run', 'cache.fmcache'));
  expect(out.statsPath).toBe(out.cachePath);
  expect(out.warnings).toEqual([
    expect.stringContaining(`fastmmap cache ${out.cachePath} evicted`),
  ]);
});

it('a chdir after the open is no replaced file', () => {
  const out = app(`
    let now = Date.now();
    const cache = FastMmapCache.open({ path: 'run/cache.fmcache', pageSize: 4096, numPages: 1,
      clock: () => now });
    cache.set('a', 1);
    process.chdir('elsewhere');
    now += 20_000;
    cache.set('a', 2);
    cache.close();
  `);
  expect(out.warnings).toEqual([]);
});

it('a relative TMPDIR: the default file is named absolute, and a chdir is no replaced file', () => {
  const out = app(
    `
    const store = new FastMmapStore({ appName: 'store' });
    out.storePath = store.path;
    store.close();
    let now = Date.now();
    const cache = FastMmapCache.open({ appName: 'cache', pageSize: 4096, numPages: 1,
      clock: () => now });
    out.cachePath = cache.path;
    cache.set('a', 1);
    process.chdir('elsewhere');
    now += 20_000;
    cache.set('a', 2);
    cache.close();
  `,
    { ...process.env, TMPDIR: 'run' },
  );
  const dir = join(cwd, 'run', `fastmmap-${process.getuid?.() ?? 'user'}`);
  expect(out.storePath).toBe(join(dir, 'store.v2.fmcache'));
  expect(out.cachePath).toBe(join(dir, 'cache.v2.fmcache'));
  expect(out.warnings).toEqual([]);
});
