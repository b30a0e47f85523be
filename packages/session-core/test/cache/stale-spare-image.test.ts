import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  H_SPARES,
  HEADER_SIZE,
  P_GEN,
  PAGE_HEADER_SIZE,
  SD_GEN,
  SD_LENGTH,
  SD_PAGE,
  SD_PENDING,
  SD_STATE,
} from '../../src/cache/layout.js';
import { scratchDir } from './helpers.js';

// A spare page keeps the image of the stripe's last compaction, and its descriptor the page and
// length of it: all a redo checks, besides the page's write marker. One flipped bit in the
// descriptor's state (outside every checksum) then lay dormant until a writer died inside that
// page: the next locker copied the old image over it, rolling the page back (a deleted key
// came back, an updated one gave its old value) with verify() clean.
let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const GEOMETRY = { pageSize: 4096, numPages: 1, lockStripes: 1 };

it('a descriptor pending again by damage does not roll a torn page back to its old image', () => {
  const cache = t.open(GEOMETRY);
  for (let i = 0; i < 30; i++) cache.set(`k${i}`, { v: 1 });
  const imageLength = () => readFileSync(t.path).readUInt32LE(H_SPARES + SD_LENGTH * 4);
  const before = imageLength();
  // Overwrites until the page compacts: the spare then holds an image with every k at v 1.
  for (let i = 0; imageLength() === before; i++) cache.set('filler', { i });
  cache.delete('k1');
  cache.set('k2', { v: 2 });
  cache.close();

  const file = readFileSync(t.path);
  const state = H_SPARES + SD_STATE * 4;
  expect(file.readUInt32LE(state)).toBe(0);
  file.writeUInt32LE(1, state); // one bit
  const gen = HEADER_SIZE + P_GEN;
  file.writeUInt32LE(file.readUInt32LE(gen) | 1, gen); // a writer died inside the page
  writeFileSync(t.path, file);

  const reopened = t.open();
  expect(reopened.get('k1')).toBeUndefined();
  expect(reopened.get('k2')).toEqual({ v: 2 });
  expect(reopened.get('k3')).toEqual({ v: 1 });
  expect(reopened.stats().repairedPages).toBe(1);
  expect(reopened.verify().ok).toBe(true);
});

it('a redo killed after it stamped its own generation, before it took it, is still redone', () => {
  const cache = t.open(GEOMETRY);
  for (let i = 0; i < 30; i++) cache.set(`k${i}`, { v: 1 });
  const imageLength = () => readFileSync(t.path).readUInt32LE(H_SPARES + SD_LENGTH * 4);
  const before = imageLength();
  for (let i = 0; imageLength() === before; i++) cache.set('filler', { i });
  cache.close();

  const file = readFileSync(t.path);
  const gen = HEADER_SIZE + P_GEN;
  const dead = file.readUInt32LE(gen) | 1; // the compaction's writer died copying its image
  file.writeUInt32LE(dead, gen);
  file.writeUInt32LE(SD_PENDING, H_SPARES + SD_STATE * 4);
  file.writeUInt32LE(0, H_SPARES + SD_PAGE * 4);
  // The redo's stamp, 2 ahead of the page's generation (no stale stamp is ahead), then death.
  file.writeUInt32LE(dead + 2, H_SPARES + SD_GEN * 4);
  file.fill(0, HEADER_SIZE + PAGE_HEADER_SIZE, HEADER_SIZE + PAGE_HEADER_SIZE + 64 * 4);
  writeFileSync(t.path, file);

  const reopened = t.open();
  for (let i = 0; i < 30; i++) expect(reopened.get(`k${i}`)).toEqual({ v: 1 });
  expect(reopened.stats()).toMatchObject({ repairedPages: 1, droppedCorruptRecords: 0 });
  expect(reopened.verify().ok).toBe(true);
});
