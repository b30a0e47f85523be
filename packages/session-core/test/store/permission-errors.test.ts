// A worker started as another user than the one that made the session file (PM2's --uid, a
// systemd User=, a container's USER, after a first start as root): the error says whose the
// file is, not only "permission denied".
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastMmapStore } from '../../src/index.js';
import { scratchDir } from '../cache/helpers.js';

const NOBODY = 65534; // uid nobody, gid nogroup on Debian
// Set by vitest.global-setup.ts when nobody cannot reach this checkout (a clone under /root).
const nobodySkip = process.env.FASTMMAP_TEST_NOBODY_SKIP;
const nobodyNote = nobodySkip ? ` (SKIPPED: ${nobodySkip})` : '';
const built = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** `new FastMmapStore({ storage })` in a process of the user nobody: its error, as JSON. */
function openAsNobody(storage: string) {
  const script = `
    const { FastMmapStore } = await import(${JSON.stringify(built)});
    try {
      new FastMmapStore({ storage: ${JSON.stringify(storage)} });
      console.log(JSON.stringify({ opened: true }));
    } catch (err) {
      console.log(JSON.stringify({ code: err.code, cause: err.cause?.code, message: err.message }));
    }
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: '/',
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { opened?: true; code?: string; cause?: string; message: string };
}

let t: ReturnType<typeof scratchDir>;
beforeAll(() => {
  if (process.geteuid?.() !== 0)
    throw new Error('these tests create files for another user: run as root (CI does)');
  t = scratchDir();
  chmodSync(tmpdir(), 0o711);
  chmodSync(t.dir, 0o755);
});
afterAll(() => {
  t.cleanup();
  chmodSync(tmpdir(), 0o700);
});

describe.skipIf(nobodySkip)(`a session file of another user${nobodyNote}`, () => {
  it("names the file's owner and this process's user, and what to do", async () => {
    const shared = join(t.dir, 'shared');
    mkdirSync(shared, { mode: 0o1777 });
    chmodSync(shared, 0o1777); // sticky, like /tmp: the cache refuses a dir anyone could swap files in
    const path = join(shared, 'sessions.fmcache');
    // Made by root (0600), as a first start before the workers' user was set.
    await new FastMmapStore({ storage: path, numPages: 4, pageSize: 4096 }).close();
    const r = openAsNobody(path);
    expect(r).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', cause: 'EACCES' });
    expect(r.message).toContain(path);
    expect(r.message).toContain(`The file belongs to uid 0 and this process runs as uid ${NOBODY}`);
    expect(r.message).toContain('run them all as its owner');
  });

  it("names the directory's owner when the file cannot be made there", () => {
    const rootOnly = join(t.dir, 'root-only');
    mkdirSync(rootOnly, { mode: 0o755 });
    const r = openAsNobody(join(rootOnly, 'sessions.fmcache'));
    expect(r).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', cause: 'EACCES' });
    expect(r.message).toContain(
      `Its directory ${rootOnly} belongs to uid 0 and this process runs as uid ${NOBODY}`,
    );
  });

  it('is still a SessionError when the file cannot even be looked at (a directory it may not search)', () => {
    const closed = join(t.dir, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    const r = openAsNobody(join(closed, 'sessions.fmcache'));
    expect(r).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', cause: 'EACCES' });
    expect(r.message).toContain(`Its directory ${closed} belongs to uid 0`);
  });

  it('names the lock file when that is the one refused, not a directory it may write', () => {
    const shared = join(t.dir, 'shared-lock');
    mkdirSync(shared, { mode: 0o1777 });
    chmodSync(shared, 0o1777);
    const path = join(shared, 'sessions.fmcache');
    // Left by a root process that died while making the file.
    writeFileSync(`${path}.lock-create`, '', { mode: 0o600 });
    const r = openAsNobody(path);
    expect(r).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', cause: 'EACCES' });
    expect(r.message).toContain(`The file ${path}.lock-create belongs to uid 0`);
    expect(r.message).not.toContain('Its directory');
  });
});
