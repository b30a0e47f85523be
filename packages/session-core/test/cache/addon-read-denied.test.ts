import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addonLoadError } from '../../src/cache/addon-load-error.js';
import { storeInProcess } from '../store/store-in-process.js';
import { requireBuiltDist, scratchDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

requireBuiltDist();

/** What Node 22+ throws for a require() of a .node file the permission model may not read. */
function readDenied(resource: string) {
  return Object.assign(
    new Error('Access to this API has been restricted. Use --allow-fs-read to manage permissions.'),
    {
      code: 'ERR_ACCESS_DENIED',
      permission: 'FileSystemRead',
      resource,
    },
  );
}

describe("an addon Node's permission model may not read", () => {
  let t: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    t = scratchDir();
  });
  afterEach(() => t.cleanup());

  it('names the path and --allow-fs-read, not a rebuild', () => {
    const addon = '/app/node_modules/@fastmmap/session-core/build/Release/robust_mutex.node';
    const err = addonLoadError('@fastmmap/session-core', readDenied(addon), false);
    expect(err.code).toBe('ERR_FASTMMAP_NATIVE_ADDON');
    expect(err.message).toContain(`permission model did not let this process read ${addon}`);
    expect(err.message).toContain('--allow-fs-read');
    expect(err.message).not.toContain('rebuild');
    expect(err.message).not.toContain('build script');
  });

  // Node 20 loads a granted addon without checking its read access: the open gets past the
  // addons and stops at making the file (the model refuses its fsync).
  it('says so in a real process with reads granted on the package but its build/ (Node 22+; Node 20 loads the addons)', () => {
    const reads = [
      join(packageDir, 'dist'),
      join(packageDir, 'package.json'),
      join(packageDir, 'node_modules'),
      t.dir,
    ];
    // Where the package's dependencies really are (pnpm links them from a store).
    reads.push(join(dirname(dirname(packageDir)), 'node_modules'));
    const report = storeInProcess(t.path, [
      major < 22 ? '--experimental-permission' : '--permission',
      '--allow-addons',
      ...reads.map((path) => `--allow-fs-read=${path}`),
      `--allow-fs-write=${t.dir}`,
      '--no-warnings',
    ]) as { code: string; cause: string; message: string };
    if (major < 22) {
      expect(report).toMatchObject({
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        cause: 'ERR_ACCESS_DENIED',
      });
      expect(report.message).toContain('once without the model to make the file');
      return;
    }
    expect(report).toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      cause: 'ERR_FASTMMAP_NATIVE_ADDON',
    });
    expect(report.message).toContain('permission model did not let this process read');
    expect(report.message).toContain('robust_mutex.node');
    expect(report.message).not.toContain('rebuild');
  });
});
