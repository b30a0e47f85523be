import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSizeAdvisor } from '../src/size-advice.js';
import { adviceLines } from '../src/stats-report.js';
import {
  type Fixture,
  leftoverTempDirs,
  loginsFixture,
  sessionsFixture,
  sixteenMiBFixture,
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

  it('sizes for the largest item, as stats does: its advice, followed, loses no session', async () => {
    // 1 in 50 sessions of 40 KB on 64 KiB pages. Sized from the mean alone (watch read no
    // items before), the same logins on a file of the advised size still lost some.
    const large = { every: 50, bytes: 40_000 };
    const trial = loginsFixture(3_000, { pageSize: 65_536, cacheSize: 1 << 20 }, large);
    try {
      const child = spawnCli(['watch', trial.path, '--interval', '100']);
      const text = await readUntil(child.stdout!, (t) => t.includes('Rates (per second'));
      child.kill('SIGINT');
      await once(child, 'exit');
      const advised = text.match(
        /Raise cacheSize \(now 1 MiB\) to \S+ \S+ \((\d+) bytes\)(?: with pageSize (\S+ \S+))?/,
      );
      expect(advised).not.toBeNull();
      const pageSize = advised![2] === undefined ? 65_536 : bytesOf(advised![2]);
      const followed = loginsFixture(3_000, { pageSize, cacheSize: Number(advised![1]) }, large);
      followed.cleanup();
      expect(followed.stats.evictionsUnexpired).toBe(0);
      // The whole 1 MiB file was read in the first frame: no "so far".
      expect(text).not.toContain('Sized for the largest item in');
    } finally {
      trial.cleanup();
    }
  });

  it('reads the largest record 4 MiB of pages a frame, and says how much it has read', async () => {
    const big = sixteenMiBFixture(40_000);
    try {
      const child = spawnCli(['watch', big.path, '--interval', '100', '--json']);
      const text = await readUntil(child.stdout!, (t) => t.split('\n').length > 5);
      child.kill('SIGINT');
      await once(child, 'exit');
      const frames = text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).largestRecord as { bytes: number; shareRead: number });
      expect(frames.slice(0, 4).map((f) => f.shareRead)).toEqual([0.25, 0.5, 0.75, 1]);
      // Once every page was read, the 40 KB session is in the figure, whichever page it is on.
      expect(frames[3]!.bytes).toBeGreaterThan(40_000);
      expect(frames[3]!.bytes).toBeLessThan(41_000);
    } finally {
      big.cleanup();
    }
  });

  it('says its advice may grow while it has not read every page for the largest item', async () => {
    const large = { every: 50, bytes: 40_000 };
    const trial = loginsFixture(3_000, { pageSize: 65_536, cacheSize: 1 << 20 }, large);
    try {
      expect(trial.stats.evictionsUnexpired).toBeGreaterThan(0);
      const advise = await loadSizeAdvisor();
      const sizing = advise(trial.stats, { expired: 0, largestRecord: 400 });
      const partial = adviceLines(trial.stats, sizing, 0, 0.25).join('\n');
      expect(partial).toContain('Sized for the largest item in 25.0% of the pages so far');
      expect(adviceLines(trial.stats, sizing, 0, 1).join('\n')).not.toContain('so far');
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

/** "2 MiB" (as the CLI prints a power-of-two size) in bytes. */
function bytesOf(text: string): number {
  const [n, unit] = text.split(' ');
  const scale = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[unit as 'B'];
  return Number(n) * scale;
}
