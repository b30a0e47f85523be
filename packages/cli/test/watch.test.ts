import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Fixture,
  leftoverTempDirs,
  loginsFixture,
  sessionsFixture,
} from './helpers/fixtures.js';
import { spawnCli } from './helpers/run-cli.js';

let fixture: Fixture;
beforeAll(() => {
  fixture = sessionsFixture();
});
afterAll(() => {
  fixture?.cleanup();
  expect(leftoverTempDirs()).toEqual([]);
});

/** Resolves with everything read once `done(text)` says enough has arrived. */
function readUntil(stream: Readable, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out; got ${JSON.stringify(text)}`)),
      15_000,
    );
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      if (done(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

/** How the child ended; one still running after 10 s is killed (SIGKILL: the test fails). */
async function exitOf(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    const [code, signal] = await once(child, 'exit');
    return { code, signal };
  } finally {
    clearTimeout(timer);
  }
}

describe('fastmmap watch', () => {
  it('--json prints one frame per interval with rates, and exits 0 on SIGINT', async () => {
    const child = spawnCli(['watch', fixture.path, '--interval', '100', '--json']);
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const text = await readUntil(child.stdout!, (t) => t.split('\n').length > 3);
    child.kill('SIGINT');
    const [code, signal] = await once(child, 'exit');
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });

    const frames = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames[0].rates).toBeNull();
    expect(frames[1].rates).toEqual({
      hits: 0,
      misses: 0,
      sets: 0,
      deletes: 0,
      expiredRemovals: 0,
      evictions: 0,
      evictionsUnexpired: 0,
    });
    for (const frame of frames) {
      expect(frame.stats.items).toBe(fixture.stats.items);
      expect(frame.stats.creationId).toBe(fixture.stats.creationId);
      expect(frame.stats.pages).toBeUndefined();
      expect(Number.isNaN(Date.parse(frame.time))).toBe(false);
    }
  });

  it('redraws the human stats with rates until SIGINT', async () => {
    const child = spawnCli(['watch', fixture.path, '--interval', '100']);
    const text = await readUntil(child.stdout!, (t) => t.split('Rates (per second').length > 2);
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(text).toContain('Ctrl-C to quit');
    expect(text).toContain('Page fill (4 pages)');
    expect(text).toMatch(/^ {2}hits 0\.0 +misses 0\.0 +hit ratio -$/m);
  });

  it('says its cacheSize advice leaves out the largest item, which stats sizes for (review)', async () => {
    // 1 in 50 sessions of 40 KB on 64 KiB pages: watch reads no items, so its figure is the
    // mean's, and the same logins on a file of that size still lose some.
    const large = { every: 50, bytes: 40_000 };
    const trial = loginsFixture(3_000, { pageSize: 65_536, cacheSize: 1 << 20 }, large);
    try {
      const child = spawnCli(['watch', trial.path, '--interval', '100']);
      const text = await readUntil(child.stdout!, (t) => t.includes('Rates (per second'));
      child.kill('SIGINT');
      await once(child, 'exit');
      const advised = text.match(/Raise cacheSize \(now 1 MiB\) to \S+ \S+ \((\d+) bytes\)/);
      expect(advised).not.toBeNull();
      const followed = loginsFixture(
        3_000,
        { pageSize: 65_536, cacheSize: Number(advised![1]) },
        large,
      );
      followed.cleanup();
      expect(followed.stats.evictionsUnexpired).toBeGreaterThan(0);
      expect(text).toContain(
        'Sized from the mean item alone (watch reads no items): `fastmmap stats FILE` sizes for the largest too',
      );
    } finally {
      trial.cleanup();
    }
  });

  it('ends quietly with exit 0 when the reader closes the pipe', async () => {
    const child = spawnCli(['watch', fixture.path, '--interval', '100', '--json']);
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    await readUntil(child.stdout!, (t) => t.includes('\n'));
    child.stdout!.destroy(); // like `| head -1`: the next frame hits a closed pipe
    const [code, signal] = await once(child, 'exit');
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  // The old file lives on in every process that mapped it, with frozen counters: showing it
  // as if nothing happened hid that apps started since use another file.
  it('exits 1 when the file is deleted while watching', async () => {
    const own = sessionsFixture();
    try {
      const child = spawnCli(['watch', own.path, '--interval', '100', '--json']);
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
      });
      await readUntil(child.stdout!, (t) => t.includes('\n'));
      rmSync(own.path);
      expect(await exitOf(child)).toEqual({ code: 1, signal: null });
      expect(stderr).toBe(
        `fastmmap: ${own.path} was deleted while watching: apps that have it open keep using it, apps started since use another file (sessions split); restart the apps, then watch again\n`,
      );
    } finally {
      own.cleanup();
    }
  });

  it('exits 1 when the file is replaced by another while watching', async () => {
    const own = sessionsFixture();
    try {
      const child = spawnCli(['watch', own.path, '--interval', '100']);
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
      });
      await readUntil(child.stdout!, (t) => t.includes('Rates (per second'));
      copyFileSync(own.path, `${own.path}.new`);
      renameSync(`${own.path}.new`, own.path); // what a restore from backup does
      expect(await exitOf(child)).toEqual({ code: 1, signal: null });
      expect(stderr).toMatch(/^fastmmap: \S+ was replaced by another file while watching: .*\n$/);
    } finally {
      own.cleanup();
    }
  });
});
