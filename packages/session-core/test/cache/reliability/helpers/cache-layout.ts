// Reads a cache file's structure with the library's own layout constants (compiled dist), so
// byte-flip tests can aim at live records. Read-only: the format itself is the cache's business.
import {
  H_NUM_PAGES,
  H_PAGE_SIZE,
  H_SPARES,
  H_STRIPES,
  HEADER_SIZE,
  P_FREE_DATA,
  P_GEN,
  P_ITEMS,
  P_MAGIC,
  P_NUM_SLOTS,
  PAGE_HEADER_SIZE,
  R_CRC,
  R_EXPIRES,
  R_FLAGS,
  R_HASH,
  R_KEY_LEN,
  R_LAST_ACCESS,
  R_VALUE_LEN,
  RECORD_HEADER_SIZE,
  SPARE_DESC_SIZE,
} from '../../../../dist/cache/layout.js';

export {
  H_SPARES,
  HEADER_SIZE,
  P_FREE_DATA,
  P_GEN,
  P_ITEMS,
  P_MAGIC,
  P_NUM_SLOTS,
  PAGE_HEADER_SIZE,
  SPARE_DESC_SIZE,
};

export interface LiveRecord {
  key: string;
  /** Absolute file offset of the record and its total length (header + key + value). */
  offset: number;
  length: number;
  keyLength: number;
}

export interface Geometry {
  pageSize: number;
  numPages: number;
  stripes: number;
}

export function geometryOf(file: Buffer): Geometry {
  return {
    pageSize: file.readUInt32LE(H_PAGE_SIZE),
    numPages: file.readUInt32LE(H_NUM_PAGES),
    stripes: file.readUInt32LE(H_STRIPES),
  };
}

/** Slot-table entries of a page: index and value (0 empty, 1 deleted, else record offset). */
export function slotsOf(
  file: Buffer,
  page: number,
): { index: number; value: number; at: number }[] {
  const g = geometryOf(file);
  const base = HEADER_SIZE + page * g.pageSize;
  const numSlots = file.readUInt32LE(base + P_NUM_SLOTS);
  return Array.from({ length: numSlots }, (_, index) => {
    const at = base + PAGE_HEADER_SIZE + index * 4;
    return { index, value: file.readUInt32LE(at), at };
  });
}

/** Every record a slot table points at. */
export function liveRecords(file: Buffer): LiveRecord[] {
  const g = geometryOf(file);
  const out: LiveRecord[] = [];
  for (let p = 0; p < g.numPages; p++) {
    const base = HEADER_SIZE + p * g.pageSize;
    const numSlots = file.readUInt32LE(base + P_NUM_SLOTS);
    for (let i = 0; i < numSlots; i++) {
      const rel = file.readUInt32LE(base + PAGE_HEADER_SIZE + i * 4);
      if (rel <= 1) continue;
      const offset = base + rel;
      const keyLength = file.readUInt32LE(offset + R_KEY_LEN);
      const valueLength = file.readUInt32LE(offset + R_VALUE_LEN);
      const key = file.toString(
        'utf8',
        offset + RECORD_HEADER_SIZE,
        offset + RECORD_HEADER_SIZE + keyLength,
      );
      out.push({ key, offset, length: RECORD_HEADER_SIZE + keyLength + valueLength, keyLength });
    }
  }
  return out;
}

/**
 * Parts of a record and what a flipped byte there must lead to: 'dropped' (get misses and the
 * record is dropped and counted), 'unreachable' (the key no longer matches: get misses and
 * verify() reports a bad record) or 'harmless' (lastAccess is outside the checksum on purpose).
 */
export type Effect = 'dropped' | 'unreachable' | 'harmless';
export function recordRegions(
  r: LiveRecord,
): { name: string; from: number; to: number; effect: Effect }[] {
  const o = r.offset;
  const keyAt = o + RECORD_HEADER_SIZE;
  return [
    { name: 'crc', from: o + R_CRC, to: o + R_CRC + 4, effect: 'dropped' },
    { name: 'lastAccess', from: o + R_LAST_ACCESS, to: o + R_LAST_ACCESS + 4, effect: 'harmless' },
    { name: 'expiresAt', from: o + R_EXPIRES, to: o + R_EXPIRES + 8, effect: 'dropped' },
    { name: 'hash', from: o + R_HASH, to: o + R_HASH + 4, effect: 'unreachable' },
    { name: 'keyLength', from: o + R_KEY_LEN, to: o + R_KEY_LEN + 4, effect: 'unreachable' },
    { name: 'valueLength', from: o + R_VALUE_LEN, to: o + R_VALUE_LEN + 4, effect: 'dropped' },
    { name: 'flags', from: o + R_FLAGS, to: o + R_FLAGS + 4, effect: 'dropped' },
    { name: 'key', from: keyAt, to: keyAt + r.keyLength, effect: 'unreachable' },
    { name: 'value', from: keyAt + r.keyLength, to: o + r.length, effect: 'dropped' },
  ];
}
