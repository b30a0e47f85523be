import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HEADER_SIZE,
  P_ITEMS,
  P_LIVE_BYTES,
  P_TOMBSTONES,
  PAGE_HEADER_SIZE,
  RETIRED_FLAG,
  W_CRC,
  W_FLAGS,
} from '../../src/cache/layout.js';
import { scratchDir } from './helpers.js';
import { liveRecords, slotsOf } from './reliability/helpers/cache-layout.js';

// verify() reports a page whose header counts disagree with its slot table (a bad page) and a
// record that fails its checks (a bad record); its advice is that purge repairs them. purge()
// used to remove expired items only, and a write trusts a sane header's counts: the damage
// stayed until clear() logged everyone out. purge() now rebuilds such a page from its good
// records, losing nothing intact.
let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const GEOMETRY = { pageSize: 4096, numPages: 4, lockStripes: 2 };
const KEYS = Array.from({ length: 24 }, (_, i) => `key${i}`);

/** A closed file holding KEYS (some deleted and rewritten: tombstones too); the page of KEYS[0]. */
function writeFile(): number {
  const cache = t.open(GEOMETRY);
  for (const key of KEYS) cache.set(key, { key, note: `value of ${key}` });
  for (const key of KEYS.slice(0, 6)) cache.delete(key);
  for (const key of KEYS.slice(0, 6)) cache.set(key, { key, note: `value of ${key}` });
  const page = cache.stats().pages.findIndex((p) => p.items > 0);
  expect(cache.verify().ok).toBe(true);
  cache.close();
  return page;
}

/** Adds `by` to the u32 at `offset` of a page header in the closed file. */
function bump(page: number, offset: number, by: number): void {
  const at = HEADER_SIZE + page * GEOMETRY.pageSize + offset;
  expect(offset).toBeLessThan(PAGE_HEADER_SIZE);
  const fd = openSync(t.path, 'r+');
  try {
    const word = Buffer.alloc(4);
    readSync(fd, word, 0, 4, at);
    word.writeUInt32LE(word.readUInt32LE(0) + by);
    writeSync(fd, word, 0, 4, at);
  } finally {
    closeSync(fd);
  }
}

describe('purge() of a page whose header counts disagree with its slot table', () => {
  for (const [field, offset, by] of [
    ['items', P_ITEMS, 1],
    ['tombstones', P_TOMBSTONES, 1],
    ['liveBytes', P_LIVE_BYTES, 1],
    ['liveBytes (a whole record size)', P_LIVE_BYTES, 8],
  ] as const) {
    it(`recounts ${field} and keeps every item`, () => {
      const page = writeFile();
      bump(page, offset, by);
      const cache = t.open();
      expect(cache.verify()).toMatchObject({ ok: false, badPages: 1, badRecords: 0 });
      const before = cache.stats();

      expect(cache.purge()).toBe(0);
      expect(cache.verify()).toMatchObject({ ok: true, items: KEYS.length });
      const after = cache.stats();
      expect(after.repairedPages).toBe(before.repairedPages + 1);
      expect(after.droppedCorruptRecords).toBe(0);
      for (const key of KEYS) expect(cache.get(key)).toEqual({ key, note: `value of ${key}` });
    });
  }
});

describe('purge() of a full page whose counts are wrong', () => {
  it('evicts nothing: the rebuild keeps the slot table the records fit beside', () => {
    // Ordinary sets fill one 64 KiB page to its slot load limit (192 of 256 slots) without an
    // eviction. A rebuild sized for one more record would double the table, and the smaller
    // data area would then push out 23 of them.
    const geometry = { numPages: 1, lockStripes: 1 };
    const cache = t.open(geometry);
    const keys = Array.from(
      { length: 192 },
      (_, i) => `sess:${String(i).padStart(6, '0')}:abcdefghijklmnopqrstuvwxyz`,
    );
    for (const [i, key] of keys.entries()) cache.set(key, { user: i, cart: 'x'.repeat(244) });
    expect(cache.stats()).toMatchObject({ items: 192, evictionsUnexpired: 0 });
    cache.close();
    bump(0, P_LIVE_BYTES, 8);
    const damaged = t.open(geometry);
    expect(damaged.verify()).toMatchObject({ ok: false, badPages: 1 });
    expect(damaged.purge()).toBe(0);
    expect(damaged.verify()).toMatchObject({ ok: true, items: 192 });
    expect(damaged.stats()).toMatchObject({ evictionsUnexpired: 0, repairedPages: 1 });
    for (const [i, key] of keys.entries()) {
      expect(damaged.get(key)).toEqual({ user: i, cart: 'x'.repeat(244) });
    }
  });
});

describe('purge() of a page with a record that fails its checks', () => {
  it('drops that record only, counted, and verify() is clean again', () => {
    writeFile();
    const bytes = readFileSync(t.path);
    const at = bytes.indexOf('value of key9');
    expect(at).toBeGreaterThan(0);
    const fd = openSync(t.path, 'r+');
    writeSync(fd, Buffer.from('Q'), 0, 1, at + 3); // inside the value: the checksum breaks
    closeSync(fd);
    const cache = t.open();
    expect(cache.verify()).toMatchObject({ ok: false, badRecords: 1, badPages: 0 });
    expect(cache.purge()).toBe(0);
    expect(cache.verify()).toMatchObject({ ok: true, items: KEYS.length - 1 });
    expect(cache.stats().droppedCorruptRecords).toBe(1);
    for (const key of KEYS) {
      expect(cache.get(key)).toEqual(key === 'key9' ? undefined : { key, note: `value of ${key}` });
    }
  });

  it('counts a damaged expiry as damage, not as an expired item', () => {
    const cache = t.open(GEOMETRY);
    cache.set('dated', 'soon', { ttl: 60_000 });
    cache.set('kept', 'stays', { ttl: 0 });
    cache.close();
    // Make the expiry of 'dated' 1 ms: in the past, but its checksum no longer matches.
    const bytes = readFileSync(t.path);
    const keyAt = bytes.indexOf('dated');
    expect(keyAt).toBeGreaterThan(0);
    expect(bytes.indexOf('dated', keyAt + 1)).toBe(-1);
    const fd = openSync(t.path, 'r+');
    const oneMs = Buffer.alloc(8);
    oneMs.writeDoubleLE(1);
    writeSync(fd, oneMs, 0, 8, keyAt - 32 + 8); // a record's expiry is at +8, its key at +32
    closeSync(fd);
    const damaged = t.open();
    expect(damaged.purge()).toBe(0);
    expect(damaged.stats()).toMatchObject({ droppedCorruptRecords: 1, expiredRemovals: 0 });
    expect(damaged.get('kept')).toBe('stays');
    expect(damaged.verify().ok).toBe(true);
  });
});

describe('purge() of a page where a slot points at a replaced record of a live key', () => {
  it('keeps the newer record of the key and drops the stale one: verify() is clean again', () => {
    const cache = t.open(GEOMETRY);
    for (const key of KEYS) cache.set(key, { key, note: `value of ${key}` });
    cache.set('key7', 'first');
    cache.close();
    const stale = liveRecords(readFileSync(t.path)).find((r) => r.key === 'key7')!;
    const again = t.open();
    again.set('key7', 'second'); // appended: the first record's bytes stay, retired
    again.close();
    // Damage in three words: an empty slot of that page now points at the first record, and
    // that record's retirement (a flag, and its checksum inverted) is undone.
    const file = readFileSync(t.path);
    const flags = stale.offset + W_FLAGS * 4;
    expect((file.readUInt32LE(flags) & RETIRED_FLAG) >>> 0).toBe(RETIRED_FLAG);
    file.writeUInt32LE((file.readUInt32LE(flags) & ~RETIRED_FLAG) >>> 0, flags);
    file.writeUInt32LE(
      ~file.readUInt32LE(stale.offset + W_CRC * 4) >>> 0,
      stale.offset + W_CRC * 4,
    );
    const page = Math.floor((stale.offset - HEADER_SIZE) / GEOMETRY.pageSize);
    const base = HEADER_SIZE + page * GEOMETRY.pageSize;
    const empty = slotsOf(file, page).find((s) => s.value === 0)!;
    file.writeUInt32LE(stale.offset - base, empty.at);
    writeFileSync(t.path, file);

    const damaged = t.open();
    expect(damaged.verify()).toMatchObject({ ok: false, badRecords: 1 });
    expect(damaged.get('key7')).toBe('second');
    expect(damaged.purge()).toBe(0);
    expect(damaged.verify()).toMatchObject({ ok: true, items: KEYS.length });
    expect(damaged.get('key7')).toBe('second');
    // Nothing was lost: the stale copy is no dropped record (its key's newer one stays).
    expect(damaged.stats().droppedCorruptRecords).toBe(0);
    for (const key of KEYS.filter((k) => k !== 'key7')) {
      expect(damaged.get(key)).toEqual({ key, note: `value of ${key}` });
    }
    const repaired = damaged.stats().repairedPages;
    damaged.purge(); // nothing left to repair: a page rebuilt on every purge would count again
    expect(damaged.stats().repairedPages).toBe(repaired);
  });
});
