import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  H_SPARES,
  HEADER_SIZE,
  P_GEN,
  SD_GEN,
  SD_PENDING,
  SD_STATE,
} from '../../src/cache/layout.js';
import { scratchDir } from './helpers.js';

// During a rolling deploy, a build from before the descriptor's generation word shares the file
// with this one. It makes an image pending by writing the state, page and length words only,
// leaving the generation as the last compaction left it; killed mid-copy (PM2's kill_timeout),
// its redo must still happen, or the page it died in loses the records not yet copied.
const writer = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const GEOMETRY = { numPages: 1, pageSize: 8192, codec: 'json' } as const;
const GEN_WORD = H_SPARES + SD_GEN * 4; // stripe 0's descriptor

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

it("an older build's compaction killed mid-copy is redone after this build compacted", () => {
  const cache = t.open(GEOMETRY);
  for (let i = 0; i < 10; i++) cache.set(`stable:${i}`, { i });
  // Overwrites of ~350 bytes in an 8 KiB page: this build compacts it several times.
  for (let i = 0; i < 100; i++) cache.set('target', { v: 'old', pad: 'x'.repeat(300), i });
  cache.close();
  const left = readFileSync(t.path).readUInt32LE(GEN_WORD);

  const child = spawnSync(process.execPath, [writer, t.path, 'churn'], {
    env: { ...process.env, FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_CRASHPOINT: 'compact:mid:1' },
    timeout: 30_000,
  });
  expect(child.signal).toBe('SIGKILL');
  // What the older build's descriptor holds: its own state, page and length, and the word it
  // never writes as this build left it.
  const file = readFileSync(t.path);
  file.writeUInt32LE(left, GEN_WORD);
  writeFileSync(t.path, file);

  const reopened = t.open(GEOMETRY);
  expect((reopened.get('target') as { v: string } | undefined)?.v).toBe('new');
  for (let i = 0; i < 10; i++) expect(reopened.get(`stable:${i}`)).toEqual({ i });
  expect(reopened.stats()).toMatchObject({ repairedPages: 1, droppedCorruptRecords: 0 });
  expect(reopened.verify().ok).toBe(true);
});

it('a redo killed mid-way leaves its descriptor in the state older builds redo', () => {
  const cache = t.open(GEOMETRY);
  for (let i = 0; i < 10; i++) cache.set(`stable:${i}`, { i });
  cache.close();
  const env = { ...process.env, FASTMMAP_TEST_HOOKS: '1' };
  const crash = (op: string, point: string) =>
    spawnSync(process.execPath, [writer, t.path, op], {
      env: { ...env, FASTMMAP_TEST_CRASHPOINT: point },
      timeout: 30_000,
    });
  expect(crash('churn', 'compact:after-spare:1').signal).toBe('SIGKILL');
  // The next writer redoes the copy and is killed too (in a rolling reload, the next locker of
  // the stripe may be an older build, which redoes state SD_PENDING only: any other state left
  // it to rebuild the page from its half-copied records).
  expect(crash('set', 'repair:mid:1').signal).toBe('SIGKILL');
  const file = readFileSync(t.path);
  const gen = file.readUInt32LE(HEADER_SIZE + P_GEN);
  expect(gen & 1).toBe(1);
  expect(file.readUInt32LE(H_SPARES + SD_STATE * 4)).toBe(SD_PENDING);
  // What a build with the generation word checks: the stamp is the page's generation.
  expect(file.readUInt32LE(GEN_WORD)).toBe(gen);

  const reopened = t.open(GEOMETRY);
  for (let i = 0; i < 10; i++) expect(reopened.get(`stable:${i}`)).toEqual({ i });
  expect(reopened.stats()).toMatchObject({ repairedPages: 1, droppedCorruptRecords: 0 });
  expect(reopened.verify().ok).toBe(true);
});
