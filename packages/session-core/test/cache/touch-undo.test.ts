import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dataStart,
  HEADER_SIZE,
  initialSlots,
  P_GEN,
  P_RETIME_AT,
  P_RETIME_CRC,
  P_RETIME_EXPIRES,
  R_CRC,
  R_EXPIRES,
} from '../../src/cache/layout.js';
import { manualClock, scratchDir } from './helpers.js';

let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

const GEOMETRY = { pageSize: 4096, numPages: 1, lockStripes: 1, codec: 'json' } as const;
/** The page's first record: 'target', written first into the new file. */
const RECORD = dataStart(initialSlots(GEOMETRY.pageSize));

/** Edits the closed file: `edit` gets the page's bytes (a view into the file's copy). */
function editPage(edit: (page: Buffer) => void): void {
  const file = readFileSync(t.path);
  edit(file.subarray(HEADER_SIZE, HEADER_SIZE + GEOMETRY.pageSize));
  writeFileSync(t.path, file);
}

/**
 * A closed file of 'target' (60 s) and 'other' as retime() leaves it when killed after the
 * target's new expiry (an hour later): undo record set, checksum still the old one.
 */
function fileOfDeadToucher(): { clock: ReturnType<typeof manualClock>; expiresAt: number } {
  const clock = manualClock();
  const cache = t.open({ ...GEOMETRY, clock: clock.fn });
  cache.set('target', { v: 'old' }, { ttl: 60_000 });
  cache.set('other', { v: 'other' });
  const expiresAt = cache.getEntry('target')!.expiresAt;
  cache.close();
  editPage((page) => {
    page.writeInt32LE(page.readInt32LE(P_GEN) + 1, P_GEN);
    page.writeUInt32LE(page.readUInt32LE(RECORD + R_CRC), P_RETIME_CRC);
    page.writeDoubleLE(expiresAt, P_RETIME_EXPIRES);
    page.writeUInt32LE(RECORD, P_RETIME_AT);
    page.writeDoubleLE(expiresAt + 3_600_000, RECORD + R_EXPIRES);
  });
  return { clock, expiresAt };
}

describe('the undo record of a touch', () => {
  it('puts the old expiry back when the toucher died before the new checksum', () => {
    const { clock, expiresAt } = fileOfDeadToucher();
    const after = t.open({ ...GEOMETRY, clock: clock.fn });
    expect(after.getEntry('target')).toMatchObject({ value: { v: 'old' }, expiresAt });
    expect(after.get('other')).toEqual({ v: 'other' });
    expect(after.stats()).toMatchObject({ repairedPages: 1, droppedCorruptRecords: 0 });
    expect(after.verify().ok).toBe(true);
  });

  it('naming a record it does not fit (left by another version, or damage): changes nothing', () => {
    const cache = t.open(GEOMETRY);
    cache.set('target', { v: 'kept' });
    cache.close();
    editPage((page) => {
      page.writeInt32LE(page.readInt32LE(P_GEN) + 1, P_GEN);
      page.writeUInt32LE(0x12345678, P_RETIME_CRC);
      page.writeDoubleLE(42, P_RETIME_EXPIRES);
      page.writeUInt32LE(RECORD, P_RETIME_AT);
    });
    const after = t.open(GEOMETRY);
    expect(after.getEntry('target')).toMatchObject({ value: { v: 'kept' }, expiresAt: 0 });
    expect(after.stats()).toMatchObject({ repairedPages: 1, droppedCorruptRecords: 0 });
    expect(after.verify().ok).toBe(true);
    after.set('target', { v: 'next' });
    expect(after.get('target')).toEqual({ v: 'next' });
  });
});

describe('a reader without locks (readOnly: fastmmap copy, inspect)', () => {
  it('sees the entry a toucher died in as it was before the touch', () => {
    const { clock, expiresAt } = fileOfDeadToucher();
    // No writer has locked the page since: the undo record is still there to read.
    const reader = t.open({ readOnly: true, clock: clock.fn });
    expect(reader.getEntry('target')).toMatchObject({ value: { v: 'old' }, expiresAt });
    expect([...reader.keys()].sort()).toEqual(['other', 'target']);
    // Not a way around the checksum: a record the undo record does not fit stays unread.
    reader.close();
    editPage((page) => page.writeDoubleLE(7, P_RETIME_EXPIRES));
    const again = t.open({ readOnly: true, clock: clock.fn });
    expect(again.getEntry('target')).toBeUndefined();
    expect([...again.keys()]).toEqual(['other']);
  });
});
