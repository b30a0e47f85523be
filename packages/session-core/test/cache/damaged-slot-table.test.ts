import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from './helpers.js';
import { HEADER_SIZE, liveRecords, slotsOf } from './reliability/helpers/cache-layout.js';

// A slot table damaged so that extra slots point at a live record (a flipped slot word can
// land on another record's start). Such a slot is reached when the real one is gone: it must
// never hand out a value that was replaced or deleted, and iteration must not list a key twice.
let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const GEOMETRY = { pageSize: 4096, numPages: 1, lockStripes: 1 };

/** Writes the record offsets of `keys` into the empty slots of page 0 of the closed file. */
function duplicateSlots(path: string, keys: string[]): void {
  const file = readFileSync(path);
  const empty = slotsOf(file, 0).filter((s) => s.value === 0);
  keys.forEach((key, k) => {
    const record = liveRecords(file).find((r) => r.key === key)!;
    const rel = record.offset - HEADER_SIZE; // slots hold offsets within the page
    for (const slot of empty.filter((_, i) => i % keys.length === k)) {
      file.writeUInt32LE(rel, slot.at);
    }
  });
  writeFileSync(path, file);
}

describe('a slot table with extra slots pointing at live records', () => {
  it('never returns a replaced or deleted value through them, and lists each key once', () => {
    const cache = t.open({ ...GEOMETRY });
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, i);
    cache.close();
    duplicateSlots(t.path, ['k3', 'k5']);

    const damaged = t.open({ ...GEOMETRY });
    const keys = [...damaged.keys()];
    expect(keys.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
    expect(damaged.verify().ok).toBe(false); // the duplicates are reported

    damaged.set('k3', 'new');
    expect(damaged.get('k3')).toBe('new');
    damaged.delete('k3'); // the probe for k3 now runs on into the stale copies
    expect(damaged.get('k3')).toBeUndefined();
    damaged.delete('k5');
    expect(damaged.get('k5')).toBeUndefined();
    expect(damaged.getAndSet('k5', (current) => (current === undefined ? 'fresh' : 'stale'))).toBe(
      'fresh',
    );
    expect(damaged.get('k4')).toBe(4);
  });
});
