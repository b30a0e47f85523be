// A 0640 cache shared with a group for reading (a monitoring user, the CLI): the group can read
// while the app writes, and cannot take a page lock (they live in the file, which it cannot
// write) that would make the app's writers wait.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastMmapCache } from '../../src/cache/index.js';
import { scratchDir } from './helpers.js';

const NOBODY = 65534; // uid nobody, gid nogroup on Debian
// Set by vitest.global-setup.ts when nobody cannot reach this checkout (a clone under /root).
const nobodySkip = process.env.FASTMMAP_TEST_NOBODY_SKIP;
const nobodyNote = nobodySkip ? ` (SKIPPED: ${nobodySkip})` : '';
const writerScript = fileURLToPath(new URL('./fixtures/churn-writer.mjs', import.meta.url));
const readerScript = fileURLToPath(new URL('./fixtures/group-reader.mjs', import.meta.url));

let t: ReturnType<typeof scratchDir>;
beforeAll(() => {
  if (process.geteuid?.() !== 0)
    throw new Error('these tests create files for another user: run as root (CI does)');
  t = scratchDir();
  // The reader must be able to reach the directory: traverse for others, read for the group.
  chmodSync(tmpdir(), 0o711);
  chmodSync(t.dir, 0o750);
  chownSync(t.dir, 0, NOBODY);
});
afterAll(() => {
  t.cleanup();
  chmodSync(tmpdir(), 0o700);
});

describe.skipIf(nobodySkip)(`a reader in the group of a 0640 cache${nobodyNote}`, () => {
  it('reads consistently while the app writes, without being able to lock', async () => {
    const path = join(t.dir, 'shared.fmc');
    const app = FastMmapCache.open<unknown>({
      path,
      codec: 'json',
      mode: 0o640,
      pageSize: 4096,
      numPages: 4,
      lockStripes: 2,
    });
    app.set('fixed', { owner: 'app', list: [1, 2, 3] });
    chownSync(path, 0, NOBODY);

    const writer = spawn(process.execPath, [writerScript, path], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await new Promise((resolve) => writer.stdout.once('data', resolve));
    const reader = spawn(process.execPath, [readerScript, path, '1500'], {
      uid: NOBODY,
      gid: NOBODY,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    reader.stdout.on('data', (d) => {
      out += d;
    });
    reader.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => reader.once('close', resolve));
    writer.stdin.end();
    await new Promise((resolve) => writer.once('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.writeOpenError).toBe('EACCES');
    expect(result.problems).toEqual([]);
    expect(result.scans).toBeGreaterThan(0);
    expect(result.last).toBeGreaterThan(0); // it saw the writer's increments
    expect(result.verified.ok).toBe(true);
    expect(app.get('counter')).toBeGreaterThanOrEqual(result.last);
    app.close();
  }, 30_000);
});
