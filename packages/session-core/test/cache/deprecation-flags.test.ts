import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './helpers.js';

const cacheEntry = fileURLToPath(new URL('../../dist/cache/index.js', import.meta.url));

/** Through @riaskov/mmap-io's package entry (node-pre-gyp), as for another binding layout. */
const VIA_ENTRY = { FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_MMAP_IO_ENTRY: '1' };

/**
 * Opens and uses a cache in a process started with `flags` (@riaskov/mmap-io installed), then
 * runs `after`, the app's own code.
 */
function openWith(flags: string[], { after = '', env = {} } = {}) {
  const t = scratchDir();
  const script = `
    const { FastMmapCache } = await import(${JSON.stringify(cacheEntry)});
    const { mmapProvider } = await import(${JSON.stringify(cacheEntry.replace(/index\.js$/, 'native-addons.js'))});
    const cache = FastMmapCache.open({ path: ${JSON.stringify(t.path)} });
    cache.set('k', 1);
    ${after}
    // --throw-deprecation throws on the next tick: wait past it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(JSON.stringify({ value: cache.get('k'), noDeprecation: process.noDeprecation ?? null, mmap: mmapProvider() }));
    cache.close();
  `;
  try {
    return spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, ...env },
    });
  } finally {
    t.cleanup();
  }
}

// mmap-io does not build on Node 23+: our own addon maps there, and no node-pre-gyp runs.
const mapper =
  Number(process.versions.node.split('.')[0]) >= 23 ? '@fastmmap/session-core' : '@riaskov/mmap-io';
const opened = { value: 1, noDeprecation: null, mmap: mapper };

describe('hardened deprecation flags', () => {
  it('--throw-deprecation --pending-deprecation: opening a cache neither warns nor ends the process', () => {
    for (const env of [{}, VIA_ENTRY]) {
      const child = openWith(['--throw-deprecation', '--pending-deprecation'], { env });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      expect(JSON.parse(child.stdout)).toEqual(opened);
    }
  });

  it("--pending-deprecation: the app's own url.parse() still warns after an open (DEP0169 not spent by mmap-io's loader)", () => {
    const child = openWith(['--pending-deprecation'], {
      after: `(await import('node:url')).parse('http://example.com/');`,
    });
    expect(child.stderr).toContain('DEP0169');
    expect(JSON.parse(child.stdout)).toEqual(opened);
  });

  it('--no-deprecation stays on after the open', () => {
    for (const env of [{}, VIA_ENTRY]) {
      const child = openWith(['--no-deprecation', '--pending-deprecation'], { env });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({ ...opened, noDeprecation: true });
    }
  });
});
