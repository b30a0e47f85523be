import { type ChildProcess, spawn } from 'node:child_process';
import fs, { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { codeOf, manualClock, SMALL, scratchDir } from './helpers.js';

// Writers exclude each other only while they lock through the same lock files. One deleted
// under running processes (a temp cleaner, an rm) and made anew by a newcomer would let both
// write one page at once: a 2-process counter then lost half its increments and a compaction
// crashed on the damage. So a lock file is made only when nobody else has the cache open.

const built = fileURLToPath(new URL('../../dist/cache/index.js', import.meta.url));

let t: ReturnType<typeof scratchDir>;
const children: ChildProcess[] = [];
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  t.cleanup();
});

/** A real process that opens the cache, sets `k`, and keeps it open until killed. */
function holder(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { FastMmapCache } from ${JSON.stringify(built)};
       const cache = FastMmapCache.open({ path: ${JSON.stringify(t.path)}, ...${JSON.stringify(SMALL)}, codec: 'json' });
       cache.set('k', 'from the holder');
       console.log('open');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

describe('lock files', () => {
  it('are not made anew while another process has the cache open; once it is gone, they are', async () => {
    const child = await holder();
    unlinkSync(`${t.path}.lock-1`);
    const open = () => t.open<string>({ ...SMALL, codec: 'json', lockTimeout: 100 });
    expect(codeOf(open)).toBe('ERR_FASTMMAP_LOCK_FILES_MISSING');
    expect(existsSync(`${t.path}.lock-1`)).toBe(false);
    child.kill('SIGKILL');
    await exited(child);
    const cache = open();
    expect(existsSync(`${t.path}.lock-1`)).toBe(true);
    expect(cache.get('k')).toBe('from the holder');
    cache.set('k', 'after');
    expect(cache.get('k')).toBe('after');
  });

  it('the same within one process: a second instance does not make them while the first is open', () => {
    const first = t.open<number>({ ...SMALL });
    first.set('n', 1);
    unlinkSync(`${t.path}.lock-0`);
    expect(codeOf(() => t.open({ ...SMALL, lockTimeout: 50 }))).toBe(
      'ERR_FASTMMAP_LOCK_FILES_MISSING',
    );
    first.close();
    expect(t.open<number>({ ...SMALL }).get('n')).toBe(1);
    expect(existsSync(`${t.path}.lock-0`)).toBe(true);
  });

  it('readers and writers open alongside each other as usual while every lock file is there', () => {
    const a = t.open<number>({ ...SMALL });
    const b = t.open<number>({ ...SMALL, lockTimeout: 50 });
    const reader = t.open<number>({ readOnly: true, lockTimeout: 50 });
    a.set('n', 1);
    b.set('n', 2);
    expect(reader.get('n')).toBe(2);
  });

  it('a writer that still has the old ones warns when a lock file was replaced at its path', () => {
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const clock = manualClock();
      const cache = t.open<string>({ ...SMALL, codec: 'json', clock: clock.fn });
      cache.set('a', '1');
      unlinkSync(`${t.path}.lock-1`);
      writeFileSync(`${t.path}.lock-1`, '', { mode: 0o600 }); // another tool made one
      clock.advance(10_000);
      cache.set('a', '2');
      expect(spy).toHaveBeenCalledTimes(1);
      const [message, options] = spy.mock.calls[0] as [string, { code: string }];
      expect(options.code).toBe('FASTMMAP_FILE_REPLACED');
      expect(message).toContain(`lock file ${t.path}.lock-1 was deleted or replaced`);
      clock.advance(60_000);
      cache.set('a', '3');
      expect(spy).toHaveBeenCalledTimes(1); // once per instance
    } finally {
      spy.mockRestore();
    }
  });
  it('an open whose lock files are deleted and made anew before its shared lock locks through the new ones', () => {
    // The window between opening the lock files and taking the shared lock on the cache file,
    // stretched: the lock files are deleted there, and a newcomer (another process; here
    // another instance, which flock tells apart the same way) makes new ones.
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const realOpenSync = fs.openSync;
    const clock = manualClock();
    t.open({ ...SMALL }).close(); // the file and its lock files exist
    let newcomer: ReturnType<typeof t.open<number>> | undefined;
    let fired = false;
    fs.openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
      const fd = (realOpenSync as (...args: unknown[]) => number)(path, ...rest);
      if (!fired && String(path) === `${t.path}.lock-${SMALL.numPages - 1}`) {
        fired = true;
        for (let s = 0; s < SMALL.numPages; s++) unlinkSync(`${t.path}.lock-${s}`);
        newcomer = t.open<number>({ ...SMALL, clock: clock.fn });
      }
      return fd;
    }) as typeof fs.openSync;
    syncBuiltinESMExports();
    try {
      const first = t.open<number>({ ...SMALL, clock: clock.fn });
      expect(fired).toBe(true);
      first.set('n', 1);
      newcomer!.set('n', 2);
      clock.advance(10_000);
      first.set('n', 3);
      newcomer!.set('n', 4);
      // Each still names the lock files the other locks through: no warning.
      expect(spy.mock.calls.map(([message]) => String(message))).toEqual([]);
    } finally {
      fs.openSync = realOpenSync;
      syncBuiltinESMExports();
      spy.mockRestore();
    }
  });
});
