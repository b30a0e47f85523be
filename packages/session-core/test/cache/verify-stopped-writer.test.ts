// A read-only verify() (the CLI's `fastmmap verify`) beside a writer that the scheduler sets
// aside mid-write for longer than a reader's grace (a loaded host, more processes than cores):
// the page is torn while it waits, but the file is healthy, and verify must say so.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { FastMmapCache } from '../../src/cache/index.js';
import { HEADER_SIZE, P_GEN } from '../../src/cache/layout.js';
import { scratchDir } from './helpers.js';

const writer = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const GEOMETRY = { numPages: 1, pageSize: 8192, codec: 'json' } as const;

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

/** The crash writer, stopped (SIGSTOP) by itself at `point`: resolves once it is stopped. */
async function writerStoppedAt(point: string) {
  const child = spawn(process.execPath, [writer, t.path, 'set'], {
    env: {
      ...process.env,
      FASTMMAP_TEST_HOOKS: '1',
      FASTMMAP_TEST_CRASHPOINT: point,
      FASTMMAP_TEST_CRASH_SIGNAL: 'SIGSTOP',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const finished = new Promise<string>((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('close', () => resolve(out));
  });
  await new Promise<void>((resolve) => {
    child.once('spawn', () => {
      const poll = setInterval(() => {
        if (isStopped(child.pid!)) {
          clearInterval(poll);
          resolve();
        }
      }, 2);
    });
  });
  return { child, finished };
}

function isStopped(pid: number): boolean {
  try {
    return /^State:\s+T/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

it('a writer stopped mid-write for 80 ms: the page is not reported torn', async () => {
  const app = t.open(GEOMETRY);
  for (let i = 0; i < 10; i++) app.set(`stable:${i}`, { i });
  app.close();
  const { child, finished } = await writerStoppedAt('write:mid-record:1');
  const reader = FastMmapCache.open({ path: t.path, readOnly: true, adoptGeometry: true });
  // Continued by another process while this one is inside the synchronous verify().
  spawn('sh', ['-c', `sleep 0.08; kill -CONT ${child.pid}`], { stdio: 'ignore' });
  const report = reader.verify();
  reader.close();
  expect(report).toMatchObject({ ok: true, tornPages: 0, items: 11 });
  expect(await finished).toBe('finished without crashing\n');
});

it('a writer that stays stopped: still reported torn', async () => {
  const app = t.open(GEOMETRY);
  for (let i = 0; i < 10; i++) app.set(`stable:${i}`, { i });
  app.close();
  const { child, finished } = await writerStoppedAt('write:mid-record:1');
  const reader = FastMmapCache.open({ path: t.path, readOnly: true, adoptGeometry: true });
  const report = reader.verify();
  reader.close();
  child.kill('SIGKILL');
  await finished;
  expect(report).toMatchObject({ ok: false, tornPages: 1 });
});

it('a crash that left many torn pages: no grace waited per page, one look again for all', () => {
  const pages = 1000;
  const app = t.open({ numPages: pages, pageSize: 4096 });
  app.close();
  const file = readFileSync(t.path);
  for (let p = 0; p < pages; p++) {
    const gen = HEADER_SIZE + p * 4096 + P_GEN;
    file.writeUInt32LE(file.readUInt32LE(gen) | 1, gen); // each page's writer died in it
  }
  writeFileSync(t.path, file);
  const reader = FastMmapCache.open({ path: t.path, readOnly: true, adoptGeometry: true });
  // The sleeps taken: a grace of 20 ms per page took some thousands; the one look again for
  // all of them sleeps 1 ms at a time for 250 ms at most.
  const sleeps = vi.spyOn(Atomics, 'wait');
  try {
    expect(reader.verify()).toMatchObject({ ok: false, tornPages: pages });
    expect(sleeps.mock.calls.length).toBeLessThan(pages);
  } finally {
    sleeps.mockRestore();
    reader.close();
  }
});
