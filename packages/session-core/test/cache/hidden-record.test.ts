import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_HASH_SEED, murmur3, slotHash } from '../../src/cache/hash.js';
import { HEADER_SIZE, P_ITEMS, P_NUM_SLOTS, R_HASH } from '../../src/cache/layout.js';
import { scratchDir } from './helpers.js';
import { liveRecords, slotsOf } from './reliability/helpers/cache-layout.js';

// A slot zeroed on a key's probe chain hides its record: get() and delete() of the key stop
// at the empty slot and answer "missing". The rebuilds (purge's, one a broken slot sets off,
// a set's compaction) used to keep every record that passed their checks, so the hidden one
// came back: after a delete() that had missed it, a logged-out session was live again.
let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const GEOMETRY = { pageSize: 4096, numPages: 1, lockStripes: 1 };
const KEYS = Array.from({ length: 40 }, (_, i) => `sess:${i}`);

/**
 * fileWithDisplacedKey's file written back with the key's first probe slot emptied: the key
 * is hidden, and `orphan` is the key whose record that slot held (cut off from its chain too).
 */
function hideDisplacedKey(): {
  key: string;
  orphan: { key: string };
  keySlot: number;
  chainSlot: number;
  numSlots: number;
} {
  const { key, keySlot, chainSlot, file } = fileWithDisplacedKey();
  const slot = slotsOf(file, 0)[chainSlot]!;
  const orphan = liveRecords(file).find((r) => r.offset === HEADER_SIZE + slot.value)!;
  file.writeUInt32LE(0, slot.at);
  writeFileSync(t.path, file);
  const numSlots = file.readUInt32LE(HEADER_SIZE + P_NUM_SLOTS);
  return { key, orphan, keySlot, chainSlot, numSlots };
}

/** A new key whose first probe slot is `slot` of a table of `numSlots`. */
function keyStartingAt(slot: number, numSlots: number): string {
  const startOf = (k: string) => {
    const bytes = Buffer.from(k);
    return slotHash(murmur3(bytes, 0, bytes.length, KEY_HASH_SEED)) & (numSlots - 1);
  };
  let n = 0;
  while (startOf(`new:${n}`) !== slot) n++;
  return `new:${n}`;
}

/**
 * A closed one-page file of KEYS; a key whose record sits `past` slots or more past its first
 * probe slot (no wrap round the table), its slot and that first slot.
 */
function fileWithDisplacedKey(past = 1): {
  key: string;
  keySlot: number;
  chainSlot: number;
  file: Buffer;
} {
  const cache = t.open(GEOMETRY);
  for (const key of KEYS) cache.set(key, { key });
  cache.close();
  const file = readFileSync(t.path);
  const numSlots = file.readUInt32LE(HEADER_SIZE + P_NUM_SLOTS);
  for (const slot of slotsOf(file, 0)) {
    if (slot.value <= 1) continue;
    const record = liveRecords(file).find((r) => r.offset === HEADER_SIZE + slot.value)!;
    const first = slotHash(file.readUInt32LE(record.offset + R_HASH)) & (numSlots - 1);
    if (slot.index - first >= past)
      return { key: record.key, keySlot: slot.index, chainSlot: first, file };
  }
  throw new Error('no key of the page sits past its first probe slot');
}

describe('a record the slot table hides from its key', () => {
  it('is not brought back by purge() after a delete() that missed it', () => {
    const { key } = hideDisplacedKey();
    const cache = t.open();
    expect(cache.get(key)).toBeUndefined();
    expect(cache.delete(key)).toBe(false); // the logout: the session is gone, as far as it knows

    cache.purge();
    expect(cache.get(key)).toBeUndefined();
    expect(cache.verify().ok).toBe(true);
    // The one whose slot was zeroed is lost with it (no slot names it); the hidden one is counted.
    expect(cache.stats().droppedCorruptRecords).toBe(1);
    expect(cache.stats().items).toBe(KEYS.length - 2);
  });

  it('is not brought back by the repair a broken slot sets off', () => {
    const { key, keySlot, chainSlot } = hideDisplacedKey();
    const cache = t.open();
    expect(cache.delete(key)).toBe(false);
    cache.close();
    // Another key's slot now points past the page: the lookup that meets it rebuilds the page.
    const again = readFileSync(t.path);
    const other = slotsOf(again, 0).find(
      (s) => s.value > 1 && s.index !== keySlot && s.index !== chainSlot,
    )!;
    again.writeUInt32LE(GEOMETRY.pageSize + 64, other.at);
    writeFileSync(t.path, again);
    const repaired = t.open();
    for (const k of KEYS) repaired.get(k);
    expect(repaired.stats().repairedPages).toBeGreaterThan(0);
    expect(repaired.get(key)).toBeUndefined();
  });

  it("is not brought back by the compaction of another key's set", () => {
    const { key, orphan } = hideDisplacedKey();
    const cache = t.open();
    expect(cache.delete(key)).toBe(false);
    const other = KEYS.find((k) => k !== key && k !== orphan.key)!;
    // Each set appends a record: the page fills and compacts (no validation on this path).
    for (let i = 0; i < 100; i++) cache.set(other, { key: other, i });
    expect(cache.get(key)).toBeUndefined();
    expect(cache.get(other)).toEqual({ key: other, i: 99 });
    expect(cache.stats().droppedCorruptRecords).toBe(1);
  });

  it("is not brought back by another key's insert that fills the empty slot", () => {
    const { key, chainSlot, numSlots } = hideDisplacedKey();
    const cache = t.open();
    expect(cache.delete(key)).toBe(false);
    // A new key whose first probe slot is the emptied one: its record goes there.
    const fresh = keyStartingAt(chainSlot, numSlots);
    cache.set(fresh, { key: fresh });
    expect(cache.get(fresh)).toEqual({ key: fresh });
    expect(cache.get(key)).toBeUndefined();
  });

  it('is not brought back by an insert after a deleting getAndSet() that missed it', () => {
    const { key, chainSlot, numSlots } = hideDisplacedKey();
    const cache = t.open();
    // The callback's undefined deletes: the logout through the atomic path.
    expect(cache.getAndSet(key, () => undefined)).toBeUndefined();
    const fresh = keyStartingAt(chainSlot, numSlots);
    cache.set(fresh, { key: fresh });
    expect(cache.get(key)).toBeUndefined();
  });

  it('gives the value set after it, not its own, once a compaction has kept both', () => {
    const { key, orphan } = hideDisplacedKey();
    const cache = t.open();
    expect(cache.get(key)).toBeUndefined();
    // Its new record fills the emptied slot, before the old one on the key's probe chain.
    cache.set(key, { key, login: 2 });
    expect(cache.get(key)).toEqual({ key, login: 2 });
    const other = KEYS.find((k) => k !== key && k !== orphan.key)!;
    for (let i = 0; i < 100; i++) cache.set(other, { key: other, i });
    expect(cache.get(key)).toEqual({ key, login: 2 });
  });

  it('gives the value set after it after a compaction that, a 2nd damage squaring the counts, did not check', () => {
    const { key, orphan } = hideDisplacedKey();
    const cache = t.open();
    cache.set(key, { key, login: 2 });
    cache.close();
    // The second damage: the item count one lower, as the hiding left the slots (the orphan's
    // gone): the page's counts agree, so a set's compaction looks for no duplicates.
    const file = readFileSync(t.path);
    file.writeUInt32LE(file.readUInt32LE(HEADER_SIZE + P_ITEMS) - 1, HEADER_SIZE + P_ITEMS);
    writeFileSync(t.path, file);
    const reopened = t.open();
    expect(reopened.get(key)).toEqual({ key, login: 2 });
    const other = KEYS.find((k) => k !== key && k !== orphan.key)!;
    for (let i = 0; i < 100; i++) reopened.set(other, { key: other, i });
    // The compaction placed the records oldest first: the key's old record took the first slot
    // of its probe chain, and get() gave it, where a rebuild keeps the newer.
    expect(reopened.get(key)).toEqual({ key, login: 2 });
    expect([...reopened.entries()].filter(([k]) => k === key)).toEqual([[key, { key, login: 2 }]]);
    reopened.purge();
    expect(reopened.get(key)).toEqual({ key, login: 2 });
  });

  it('is not listed by keys() or entries(), which list what get() finds', () => {
    const { key, orphan } = hideDisplacedKey();
    const expected = KEYS.filter((k) => k !== key && k !== orphan.key).sort();
    const reader = t.open({ readOnly: true });
    const cache = t.open();
    for (const c of [reader, cache]) {
      expect(c.get(key)).toBeUndefined();
      expect([...c.keys()].sort()).toEqual(expected);
      expect([...c.entries()].map(([k]) => k).sort()).toEqual(expected);
    }
    // Set again, the key's new record goes before the old one on its probe chain: listed once,
    // with the value get() gives.
    cache.set(key, { key, login: 2 });
    expect([...cache.keys()].filter((k) => k === key)).toEqual([key]);
    expect([...cache.entries()].filter(([k]) => k === key)).toEqual([[key, { key, login: 2 }]]);
  });

  it('keeps a record behind a slot find() calls broken: the lookup repairs and finds it', () => {
    const { key, chainSlot, file } = fileWithDisplacedKey();
    file.writeUInt32LE(GEOMETRY.pageSize + 64, slotsOf(file, 0)[chainSlot]!.at);
    writeFileSync(t.path, file);
    const cache = t.open();
    expect(cache.get(key)).toEqual({ key });
    cache.purge();
    expect(cache.get(key)).toEqual({ key });
    expect(cache.verify().ok).toBe(true);
  });

  it('is found by a read-only get() behind a slot find() calls broken, as keys() lists it', () => {
    const { key, chainSlot, file } = fileWithDisplacedKey();
    file.writeUInt32LE(GEOMETRY.pageSize + 64, slotsOf(file, 0)[chainSlot]!.at);
    writeFileSync(t.path, file);
    const reader = t.open({ readOnly: true });
    expect([...reader.keys()]).toContain(key);
    // It cannot repair the page: the lookup gave up at the broken slot (fastmmap get KEY said
    // missing for a key fastmmap keys printed).
    expect(reader.get(key)).toEqual({ key });
    expect(reader.has(key)).toBe(true);
    // What a writer's repair keeps, the reader found: every listed key, with its value.
    for (const [k, v] of reader.entries()) expect(reader.get(k)).toEqual(v);
    expect(t.open().get(key)).toEqual({ key });
  });

  it('is found by a read-only get() behind an empty slot after a broken one, as a repair keeps it', () => {
    const { key, keySlot, chainSlot, file } = fileWithDisplacedKey(2);
    const slots = slotsOf(file, 0);
    file.writeUInt32LE(GEOMETRY.pageSize + 64, slots[chainSlot]!.at); // broken first
    file.writeUInt32LE(0, slots[keySlot - 1]!.at); // then empty: find() never gets that far
    writeFileSync(t.path, file);
    const reader = t.open({ readOnly: true });
    expect([...reader.keys()]).toContain(key);
    expect(reader.get(key)).toEqual({ key });
    expect(t.open().get(key)).toEqual({ key });
  });
});
