import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/relocated-package.mjs', import.meta.url));

/**
 * Runs the fixture on a copy of dist/ away from build/ (where a bundler puts our code), with
 * the JS dependencies (and mmap-io, fs-ext) still reachable through node_modules. `cjs` also
 * empties import.meta.url, as esbuild's and others' CommonJS output does.
 */
function runRelocated(cjs: boolean) {
  const t = scratchDir();
  try {
    cpSync(join(packageDir, 'dist'), join(t.dir, 'dist'), { recursive: true });
    writeFileSync(join(t.dir, 'package.json'), '{ "name": "bundled-app", "type": "module" }');
    symlinkSync(realpathSync(join(packageDir, 'node_modules')), join(t.dir, 'node_modules'));
    if (cjs) {
      const file = join(t.dir, 'dist/cache/native-addons.js');
      writeFileSync(file, readFileSync(file, 'utf8').replaceAll('import.meta.url', 'undefined'));
    }
    const child = spawnSync(process.execPath, [fixture, t.dir, t.path], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    return JSON.parse(child.stdout);
  } finally {
    t.cleanup();
  }
}

describe('the package bundled into an app (esbuild, webpack, ncc)', () => {
  it('bundled to CommonJS (no import.meta.url): it imports, MemoryStore works, FastMmapStore says to keep the package external', () => {
    const report = runRelocated(true);
    expect(report.memoryStore).toEqual({ n: 1 });
    expect(report.store).toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      causeCode: 'ERR_FASTMMAP_NATIVE_ADDON',
    });
    expect(report.store.message).toContain('@fastmmap/session-core is bundled');
    expect(report.store.message).toContain('--external:@fastmmap/session-core');
  });

  it('bundled as ESM, away from its build/ directory: the error says how to keep the package out of the bundle, not only how to rebuild', () => {
    const report = runRelocated(false);
    expect(report.store).toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      causeCode: 'ERR_FASTMMAP_NATIVE_ADDON',
    });
    expect(report.store.message).toContain(
      'the native addon @fastmmap/session-core could not be loaded',
    );
    expect(report.store.message).toContain('--external:@fastmmap/session-core');
  });
});
