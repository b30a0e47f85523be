import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireBuiltDist, scratchDir } from '../cache/helpers.js';
import { storeInProcess } from './store-in-process.js';

const permission =
  Number(process.versions.node.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';

requireBuiltDist();

/** storeInProcess(path, { use }) under the model, fs writes granted to `writable`, or without it. */
function useStore(path: string, writable: string | undefined) {
  const model =
    writable === undefined
      ? []
      : [permission, '--allow-fs-read=*', `--allow-fs-write=${writable}`, '--allow-addons'];
  return storeInProcess(path, [...model, '--no-warnings'], { use: true }) as {
    read?: unknown;
    code?: string;
    message: string;
  };
}

describe("Node's permission model", () => {
  let t: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    t = scratchDir();
  });
  afterEach(() => t.cleanup());

  it('refuses to make a new file (no fsync, no fchmod), saying to make it once without the model; then uses it', () => {
    const refused = useStore(t.path, t.dir);
    expect(refused.code).toBe('ERR_SESSION_STORE_UNAVAILABLE');
    expect(refused.message).toContain('once without the model to make the file');
    expect(refused.message).toContain(`--allow-fs-write on ${t.dir}`);
    expect(refused.message).not.toContain('TMPDIR');

    expect(useStore(t.path, undefined)).toEqual({ read: { user: 'ann' } });
    expect(useStore(t.path, t.dir)).toEqual({ read: { user: 'ann' } });
  });

  it('names the path it was not granted', () => {
    const elsewhere = join(t.dir, 'granted');
    mkdirSync(elsewhere);
    const refused = useStore(t.path, elsewhere);
    expect(refused.code).toBe('ERR_SESSION_STORE_UNAVAILABLE');
    expect(refused.message).toContain("Node's permission model did not let this process write");
    expect(refused.message).toContain(`--allow-fs-write on ${t.dir}`);
  });
});
