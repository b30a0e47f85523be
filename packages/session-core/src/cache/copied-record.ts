import { crc32 } from 'node:zlib';
import { P_RETIME_AT, P_RETIME_CRC, P_RETIME_EXPIRES, R_CRC_FROM, W_CRC } from './layout.js';
import type { PageStore } from './page-store.js';

/**
 * Whether the record copied into `store.scratch` from `off` (page at `base`) checks out, for a
 * reader without the page lock. One that fails its checksum while the page's undo record names
 * it is a touch cut short (retime): a dead toucher's, which only the next locker puts back, so
 * a read-only reader (fastmmap copy, inspect) would miss a live entry. If the copy checks out
 * with the old expiry, the copy becomes the record as it was before the touch.
 */
export function copiedRecordOk(store: PageStore, base: number, off: number, len: number): boolean {
  if (store.scratchCrcOk(len)) return true;
  if (store.u32[(base + P_RETIME_AT) >>> 2] !== off - base) return false;
  const crc = store.u32[(base + P_RETIME_CRC) >>> 2]!;
  const expiresAt = store.scratchF64[1]!;
  store.scratchF64[1] = store.f64[(base + P_RETIME_EXPIRES) >>> 3]!;
  if (crc === crc32(store.scratch.subarray(R_CRC_FROM, len))) {
    store.scratchU32[W_CRC] = crc;
    return true;
  }
  store.scratchF64[1] = expiresAt;
  return false;
}
