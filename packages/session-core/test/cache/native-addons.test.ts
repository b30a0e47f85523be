import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs without-addons.mjs with `addons` unloadable; its JSON report. */
function runWithout(addons: string) {
  const t = scratchDir();
  let child: SpawnSyncReturns<string>;
  try {
    child = spawnSync(
      process.execPath,
      ['--require', fixture('hide-native-addons.cjs'), fixture('without-addons.mjs'), t.path],
      { encoding: 'utf8', env: { ...process.env, HIDE_ADDONS: addons }, timeout: 30_000 },
    );
  } finally {
    t.cleanup();
  }
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout);
}

// How the package requires its own addon (native-addons.ts).
const OWN_ADDON = '../../build/Release/robust_mutex.node';

describe('native addons that are not built (install scripts skipped)', () => {
  const cases = [
    ['fs-ext', 'fs-ext'],
    [OWN_ADDON, '@fastmmap/session-core'],
    [`@riaskov/mmap-io,${OWN_ADDON}`, '@fastmmap/session-core'],
    [`@riaskov/mmap-io,${OWN_ADDON},fs-ext`, '@fastmmap/session-core'],
  ] as const;
  for (const [addons, missing] of cases) {
    it(`without ${addons}: the package imports, MemoryStore works, opening the cache is a typed error that says how to build it`, () => {
      const report = runWithout(addons);
      expect(report.memoryStore).toEqual({ n: 1 });
      expect(report.cache).toMatchObject({
        name: 'FastMmapError',
        code: 'ERR_FASTMMAP_NATIVE_ADDON',
      });
      expect(report.cache.message).toContain(`the native addon ${missing} could not be loaded`);
      expect(report.cache.message).toContain('pnpm approve-builds');
      expect(report.cache.message).toContain(`npm rebuild ${missing}`);
      // Both at once: an install that skipped one build script skipped them all. Not the
      // optional mmap-io: not needed, and its build fails on Node 23+.
      const rebuilt = /npm rebuild ([^.]+)\./.exec(report.cache.message)?.[1]?.split(' ');
      expect(rebuilt?.sort()).toEqual(['@fastmmap/session-core', 'fs-ext']);
      // Not bundled (the package sits in node_modules): no bundler advice to mislead.
      expect(report.cache.message).not.toContain('bundle');
      // Refused before any file was made.
      expect(report.fileCreated).toBe(false);
      expect(report.store).toEqual({
        name: 'SessionError',
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        causeCode: 'ERR_FASTMMAP_NATIVE_ADDON',
      });
    });
  }

  it('without @riaskov/mmap-io (optional; its build fails on Node 23+): our addon maps the file', () => {
    const report = runWithout('@riaskov/mmap-io');
    expect(report).toMatchObject({ cache: 'opened', fileCreated: true, store: 'opened' });
  });
});
