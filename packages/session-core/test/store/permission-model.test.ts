import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireBuiltDist, scratchDir } from '../cache/helpers.js';

const storeEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const permission =
  Number(process.versions.node.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';

requireBuiltDist();

/**
 * A process that opens a FastMmapStore on `path`, stores a session and reads it back, under
 * the permission model with fs writes granted to `writable` (or without the model): what it
 * read, or its error's code and message.
 */
function useStore(path: string, writable: string | undefined) {
  const script = `
    const { FastMmapStore } = await import(${JSON.stringify(storeEntry)});
    try {
      const store = new FastMmapStore({ storage: ${JSON.stringify(path)} });
      await store.store('sid', { user: 'ann' }, Date.now() + 60_000);
      console.log(JSON.stringify({ read: await store.get('sid') }));
      await store.close();
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, message: err.message }));
    }
  `;
  const model =
    writable === undefined
      ? []
      : [permission, '--allow-fs-read=*', `--allow-fs-write=${writable}`, '--allow-addons'];
  const child = spawnSync(
    process.execPath,
    [...model, '--no-warnings', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 30_000 },
  );
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout);
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
