import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FORMAT_VERSION } from '../../src/cache/layout.js';

/** A real app start: the built library, in a process of its own with the environment given. */
const built = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

function startApp(env: Record<string, string>, storeOptions: Record<string, unknown> = {}) {
  const script = `
    const { FastMmapStore } = await import(${JSON.stringify(built)});
    try {
      new FastMmapStore(${JSON.stringify(storeOptions)});
      console.log(JSON.stringify({ opened: true }));
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, cause: err.cause?.code, message: err.message, stack: err.stack }));
    }
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    opened?: boolean;
    code?: string;
    cause?: string;
    message?: string;
    stack?: string;
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'fm-default-path-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('FastMmapStore open errors at the default path (containers, systemd units)', () => {
  it('says the path came from TMPDIR and how to choose another when TMPDIR is unusable', () => {
    const r = startApp({ TMPDIR: join(scratch, 'missing') });
    expect(r).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', cause: 'ENOENT' });
    expect(r.message).toContain(join(scratch, 'missing', `fastmmap-${process.getuid?.()}`));
    expect(r.message).toContain('$TMPDIR');
    expect(r.message).toContain('storage');
    // What Node prints for an uncaught error is the stack: the advice must be there too.
    expect(r.stack).toContain('storage');
  });

  it('gives the same advice for a default directory it must refuse', () => {
    const tmp = join(scratch, 'squatted');
    mkdirSync(join(tmp, `fastmmap-${process.getuid?.()}`), { recursive: true });
    chmodSync(join(tmp, `fastmmap-${process.getuid?.()}`), 0o777);
    const r = startApp({ TMPDIR: tmp });
    expect(r).toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
      cause: 'ERR_FASTMMAP_UNSAFE_FILE',
    });
    expect(r.message).toContain('storage');
  });

  it('a file with garbage over its header: the advice is to delete it, at either path', () => {
    const tmp = join(scratch, 'damaged');
    const dir = join(tmp, `fastmmap-${process.getuid?.()}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const chosen = join(scratch, 'damaged.fmcache');
    for (const [env, options, path] of [
      [{ TMPDIR: tmp }, {}, join(dir, `sessions.v${FORMAT_VERSION}.fmcache`)],
      [{}, { storage: chosen }, chosen],
    ] as const) {
      writeFileSync(path, randomBytes(64 * 1024), { mode: 0o600 });
      const r = startApp(env, options);
      expect(r).toMatchObject({
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        cause: 'ERR_FASTMMAP_NOT_A_CACHE_FILE',
      });
      expect(r.message).toContain('delete it');
      expect(r.message).not.toContain('TMPDIR');
    }
  });

  it('does not talk about TMPDIR when the app chose the path', () => {
    const r = startApp({}, { storage: join(scratch, 'missing', 'sessions.fmcache') });
    expect(r).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', cause: 'ENOENT' });
    expect(r.message).not.toContain('TMPDIR');
  });
});
