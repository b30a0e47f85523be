import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, leftoverTempDirs, sessionsFixture } from './helpers/fixtures.js';
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
});
