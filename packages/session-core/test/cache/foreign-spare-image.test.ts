import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { KEY_HASH_SEED, murmur3 } from '../../src/cache/hash.js';
import { R_KEY_LEN, RECORD_HEADER_SIZE } from '../../src/cache/layout.js';
import { scratchDir } from './helpers.js';
import {
  H_SPARES,
  HEADER_SIZE,
  P_FREE_DATA,
  P_GEN,
  P_NUM_SLOTS,
  PAGE_HEADER_SIZE,
  SPARE_DESC_SIZE,
} from './reliability/helpers/cache-layout.js';

// A compaction builds a page's new image in its stripe's spare page, marks it pending in a
// descriptor, then copies it over the page; a process killed mid-copy leaves the next locker to
// redo the copy. The descriptor is outside every checksum: damaged to name another page of the
// stripe, it must not get that page overwritten with a foreign image.
let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const PAGE = 4096;
const PAGES = 4;
const GEOMETRY = { pageSize: PAGE, numPages: PAGES, lockStripes: 2 };

/** The page the first record of stripe 0's spare image belongs to, and the image's length. */
function spareImage(file: Buffer): { owner: number; length: number } {
  const spare = HEADER_SIZE + PAGES * PAGE; // spares follow the pages, stripe 0 first
  const numSlots = file.readUInt32LE(spare + P_NUM_SLOTS);
  for (let i = 0; i < numSlots; i++) {
    const rel = file.readUInt32LE(spare + PAGE_HEADER_SIZE + 4 * i);
    if (rel <= 1) continue;
    const keyLength = file.readUInt32LE(spare + rel + R_KEY_LEN);
    const hash = murmur3(file, spare + rel + RECORD_HEADER_SIZE, keyLength, KEY_HASH_SEED);
    return { owner: hash % PAGES, length: file.readUInt32LE(spare + P_FREE_DATA) };
  }
  throw new Error('no record in the spare image');
}

it('a pending copy whose image belongs to another page is not made; that page is repaired', () => {
  const cache = t.open({ ...GEOMETRY });
  // Overwrites fill pages with dead versions: compactions run, through the spares.
  for (let round = 0; round < 60; round++) {
    for (let k = 0; k < 40; k++) cache.set(`k${k}`, { k, round, pad: 'x'.repeat(40) });
  }
  cache.close();

  const file = readFileSync(t.path);
  const { owner, length } = spareImage(file);
  const victim = owner === 0 ? 2 : 0; // the other page of stripe 0
  // Descriptor: pending, for the victim page, of the image's true length (so only the records
  // can tell), and the victim's write marker set as a copy cut short would leave it.
  file.writeInt32LE(1, H_SPARES);
  file.writeUInt32LE(victim, H_SPARES + 4);
  file.writeUInt32LE(length, H_SPARES + 8);
  expect(SPARE_DESC_SIZE).toBeGreaterThanOrEqual(12);
  const gen = HEADER_SIZE + victim * PAGE + P_GEN;
  file.writeInt32LE(file.readInt32LE(gen) | 1, gen);
  writeFileSync(t.path, file);

  const reopened = t.open({ ...GEOMETRY });
  for (let k = 0; k < 40; k++) {
    const value = reopened.get(`k${k}`) as { k: number; round: number } | undefined;
    expect(value).toEqual({ k, round: 59, pad: 'x'.repeat(40) });
  }
  expect(reopened.verify().ok).toBe(true);
});
