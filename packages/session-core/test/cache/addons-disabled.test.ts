import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from './helpers.js';

const storeEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** new FastMmapStore() in a process started with `flags`: its error's code, cause and message. */
function openWith(flags: string[]) {
  const t = scratchDir();
  const script = `
    const { FastMmapStore } = await import(${JSON.stringify(storeEntry)});
    try {
      new FastMmapStore({ storage: ${JSON.stringify(t.path)} });
      console.log(JSON.stringify({ opened: true }));
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, cause: err.cause?.code, message: err.message }));
    }
  `;
  try {
    const child = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.status, child.stderr).toBe(0);
    return JSON.parse(child.stdout);
  } finally {
    t.cleanup();
  }
}

describe('a Node.js process that may not load addons', () => {
  it('--no-addons: a typed error that names the flag, not rebuild advice', () => {
    const report = openWith(['--no-addons']);
    expect(report).toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      cause: 'ERR_FASTMMAP_NATIVE_ADDON',
    });
    expect(report.message).toContain('may not load native addons');
    expect(report.message).toContain('--allow-addons');
    expect(report.message).toContain('RedisStore');
    expect(report.message).not.toContain('rebuild');
  });
});
