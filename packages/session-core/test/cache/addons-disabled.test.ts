import { describe, expect, it } from 'vitest';
import { storeInProcess } from '../store/store-in-process.js';
import { scratchDir } from './helpers.js';

/** new FastMmapStore() in a process started with `flags`: its error's code, cause and message. */
function openWith(flags: string[]) {
  const t = scratchDir();
  try {
    return storeInProcess(t.path, flags) as { code: string; cause: string; message: string };
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
