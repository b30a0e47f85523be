// A reader without locks (readOnly: the CLI's get, keys, copy) of a page whose writer died while
// copying a compaction's image over it: the page is half copied, but the image is whole in the
// stripe's spare page, and the reader reads that (what the next writer's redo puts in place).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { requireBuiltDist, scratchDir } from './helpers.js';

const writer = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const GEOMETRY = { numPages: 1, pageSize: 8192, codec: 'json' } as const;
const STABLE = Array.from({ length: 10 }, (_, i) => `stable:${i}`);

let t: ReturnType<typeof scratchDir>;
requireBuiltDist();
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

/** Stable entries behind garbage: a compaction moves them into the image's uncopied half. */
function seed() {
  const cache = t.open(GEOMETRY);
  cache.set('gone', { pad: 'g'.repeat(2000) });
  cache.set('early', { pad: 'e'.repeat(2000) });
  for (let i = 0; i < 10; i++) cache.set(`stable:${i}`, { i });
  cache.set('target', { v: 'old' });
  cache.delete('gone');
  cache.close();
}

function crashIn(op: string, point: string, signal = 'SIGKILL') {
  return {
    env: {
      ...process.env,
      FASTMMAP_TEST_HOOKS: '1',
      FASTMMAP_TEST_CRASHPOINT: point,
      FASTMMAP_TEST_CRASH_SIGNAL: signal,
    },
    args: [writer, t.path, op],
  };
}

it.each([
  ['churn', 'compact:mid:1', 10],
  ['churn', 'compact:after-spare:1', 10],
  ['clear', 'compact:mid:1', 0],
])('a writer killed in %s at %s: the reader reads its pending image', (op, point, listed) => {
  seed();
  const { env, args } = crashIn(op, point);
  expect(spawnSync(process.execPath, args, { env, timeout: 30_000 }).signal).toBe('SIGKILL');
  const reader = t.open({ ...GEOMETRY, readOnly: true });
  const found = STABLE.map((key) => reader.get(key));
  // Read from the half-copied page, every one of them was missing, 'early' too.
  expect(found.filter((v) => v !== undefined)).toHaveLength(listed);
  expect(reader.has('early')).toBe(listed > 0);
  expect([...reader.keys()].filter((k) => k.startsWith('stable:'))).toHaveLength(listed);
  // verify() reports the page as it is: torn until a writer locks it.
  expect(reader.verify().tornPages).toBe(1);
  // The next writer's redo gives what the reader read.
  const cache = t.open(GEOMETRY);
  expect(STABLE.map((key) => cache.get(key))).toEqual(found);
  expect(cache.stats()).toMatchObject({ repairedPages: 1, droppedCorruptRecords: 0 });
});

it('a writer set aside mid-copy and resumed: the reader reads the image, then the page', async () => {
  seed();
  const { env, args } = crashIn('churn', 'compact:mid:1', 'SIGSTOP');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const finished = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const reader = t.open({ ...GEOMETRY, readOnly: true });
  try {
    while (!/^State:\s+T/m.test(status())) await new Promise((r) => setTimeout(r, 2));
    expect(STABLE.map((key) => reader.get(key))).toEqual(STABLE.map((_, i) => ({ i })));
    child.kill('SIGCONT');
  } catch (err) {
    child.kill('SIGKILL'); // not left stopped behind a failed test
    throw err;
  }
  await finished;
  expect(out).toBe('finished without crashing\n');
  // The writer copied the rest and went on: the reader follows the page again.
  expect(STABLE.map((key) => reader.get(key))).toEqual(STABLE.map((_, i) => ({ i })));
  expect(reader.get('target')).toMatchObject({ v: 'new', i: 999 });
  expect(reader.verify()).toMatchObject({ ok: true, tornPages: 0 });
});
