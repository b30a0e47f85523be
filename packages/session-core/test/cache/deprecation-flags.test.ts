import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './helpers.js';

const cacheEntry = fileURLToPath(new URL('../../dist/cache/index.js', import.meta.url));

/** Opens and uses a cache in a process started with `flags`, with @riaskov/mmap-io installed. */
function openWith(flags: string[]) {
  const t = scratchDir();
  const script = `
    const { FastMmapCache } = await import(${JSON.stringify(cacheEntry)});
    const cache = FastMmapCache.open({ path: ${JSON.stringify(t.path)} });
    cache.set('k', 1);
    // --throw-deprecation throws on the next tick: wait past it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(JSON.stringify({ value: cache.get('k'), noDeprecation: process.noDeprecation ?? null }));
    cache.close();
  `;
  try {
    return spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
  } finally {
    t.cleanup();
  }
}

describe('hardened deprecation flags', () => {
  it('--throw-deprecation --pending-deprecation: opening a cache neither warns nor ends the process', () => {
    const child = openWith(['--throw-deprecation', '--pending-deprecation']);
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ value: 1, noDeprecation: null });
  });

  it('--no-deprecation stays on after the open', () => {
    const child = openWith(['--no-deprecation', '--pending-deprecation']);
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ value: 1, noDeprecation: true });
  });
});
