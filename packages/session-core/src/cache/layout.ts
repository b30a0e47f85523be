/**
 * Byte layout of a cache file (format version 2). All integers little-endian (x86-64/arm64
 * native order; the header carries a byte-order mark so a foreign file is refused).
 *
 *   [file header: HEADER_SIZE bytes][page 0]...[page numPages-1][spare 0]...[spare stripes-1]
 *
 * Version 2 keeps the page locks in the header (robust pthread mutexes, one per stripe);
 * version 1 locked pages through lock files with flock.
 *
 * A spare page per lock stripe holds the new image of a page being compacted, so a process
 * killed half-way through copying it back can be redone by the next locker (see docs/cache.md).
 */

export const FORMAT_VERSION = 2;
/** The header's first 4 KiB (fields and spare descriptors), then the stripes' mutexes. */
export const HEADER_SIZE = 12288;
/** "FMMAPCF1" read as two little-endian u32s. */
export const MAGIC_0 = 0x414d4d46; // 'FMMA'
export const MAGIC_1 = 0x31464350; // 'PCF1'
export const BYTE_ORDER_MARK = 0x01020304;

/** File header offsets (bytes). Bytes [0, H_CRC) are covered by the header CRC. */
export const H_MAGIC_0 = 0;
export const H_MAGIC_1 = 4;
export const H_VERSION = 8;
export const H_BOM = 12;
export const H_HEADER_SIZE = 16;
export const H_PAGE_SIZE = 20;
export const H_NUM_PAGES = 24;
export const H_STRIPES = 28;
export const H_FILE_SIZE = 32;
export const H_CREATED_AT = 40; // f64 ms since epoch
export const H_CREATION_ID = 48; // 16 random bytes
export const H_CODEC = 64; // codec name, 32 bytes ASCII, zero padded
export const CODEC_NAME_MAX = 32;
/** What a codec may be named: it is recorded in the header and compared at every open. */
export const isCodecName = (name: string): boolean => /^[\x21-\x7e]{1,32}$/.test(name);
export const H_CRC = 96;
/**
 * Per-stripe spare-page descriptors (mutable, not covered by the CRC): u32 words state (0 =
 * idle, SD_PENDING), target page, image length, and the target's
 * generation when the image was made pending or its redo's, stamped just before the redo takes
 * it (0: not checked). Versions before the
 * generation word write the first three only, so once its copy is done a writer sets the page
 * to SD_NO_PAGE and the generation back to 0: such a version's pending image then carries 0
 * and is redone, not taken for a stale one.
 */
export const H_SPARES = 1024;
export const SPARE_DESC_SIZE = 16;
export const SD_STATE = 0;
export const SD_PAGE = 1;
export const SD_LENGTH = 2;
export const SD_GEN = 3;
/** The target page of a descriptor whose image is in place: none (a flipped state bit finds no page). */
export const SD_NO_PAGE = 0xffffffff;
/** State SD_PENDING: an image to copy into its page. */
export const SD_PENDING = 1;
export const MAX_STRIPES = 128;
/**
 * Stripe s's page lock: a process-shared robust pthread mutex at H_MUTEXES + s * MUTEX_STRIDE
 * (mutable, not covered by the CRC; one cache line each, so two stripes' lockers do not
 * contend for one line). Made anew by a writer that opens the file with nobody else on it.
 */
export const H_MUTEXES = 4096;
export const MUTEX_STRIDE = 64;
/**
 * Within a stride, after the mutex: which C library made it (u32, written by the addon's init;
 * 0 in files made before it was). glibc and musl lay their mutexes out differently.
 */
export const MUTEX_LIBC_TAG = 56;
export const LIBC_TAGS: ReadonlyMap<number, string> = new Map([
  [0x474c4942, 'glibc'], // "GLIB", as native/robust-mutex.c writes it
  [0x4d55534c, 'musl'], // "MUSL"
]);

/** Page header offsets (bytes from the page start). */
export const P_MAGIC = 0;
export const P_INDEX = 4;
/** Seqlock generation: odd while a writer is inside the page (also the crash marker). */
export const P_GEN = 8;
export const P_HITS = 16; // u64 as lo/hi u32, updated lock-free with Atomics
export const P_MISSES = 24;
/** Everything from P_COPY_FROM to the end of the page is rewritten by compaction. */
export const P_COPY_FROM = 32;
export const P_NUM_SLOTS = 32;
export const P_ITEMS = 36;
export const P_TOMBSTONES = 40;
export const P_FREE_DATA = 44;
export const P_LIVE_BYTES = 48;
/** u64 counters updated under the page lock. */
export const P_SETS = 56;
export const P_DELETES = 64;
export const P_EXPIRED = 72;
export const P_EVICTIONS = 80;
export const P_EVICTIONS_UNEXPIRED = 88;
export const P_REPAIRS = 96;
export const P_DROPPED = 104;
/**
 * A touch's undo record, set only while it rewrites a record's expiry in place: the record's
 * offset in the page (0 = none), then its checksum and expiry from before. A writer that dies
 * before the new checksum is written leaves a record that fails it; the next locker puts the
 * old expiry back instead of dropping the entry (PageStore.undoRetime).
 */
export const P_RETIME_AT = 112;
export const P_RETIME_CRC = 116;
export const P_RETIME_EXPIRES = 120;
export const PAGE_HEADER_SIZE = 128;
export const PAGE_MAGIC = 0x50474d46; // 'FMGP'

/** Slot values: 0 = never used (probing stops), 1 = deleted (probing continues). */
export const SLOT_EMPTY = 0;
export const SLOT_TOMBSTONE = 1;

/**
 * Record: [crc u32][lastAccess u32 s][expiresAt f64 ms][hash u32][keyLen u32][valueLen u32]
 * [flags u32][key][value], padded to 8 bytes. The CRC covers bytes 8..end (everything except
 * itself and lastAccess, which reads refresh in place) and is written last.
 */
export const R_CRC = 0;
export const R_LAST_ACCESS = 4;
export const R_EXPIRES = 8;
export const R_HASH = 16;
export const R_KEY_LEN = 20;
export const R_VALUE_LEN = 24;
export const R_FLAGS = 28;
export const RECORD_HEADER_SIZE = 32;
export const R_CRC_FROM = 8;
/**
 * Set in the flags of a record that was replaced or removed, whose checksum is inverted with
 * it: a slot left pointing at it by damage reads a miss. (Written records have flags 0.)
 */
export const RETIRED_FLAG = 0x80000000;
/** The same fields as u32 word indexes from the record start (records are 8-aligned). */
export const W_CRC = 0;
export const W_LAST_ACCESS = 1;
export const W_HASH = 4;
export const W_KEY_LEN = 5;
export const W_VALUE_LEN = 6;
export const W_FLAGS = 7;

/** Slots are kept at most 3/4 full (items + tombstones); compaction sizes them for 1/2. */
export const SLOT_MAX_LOAD = 0.75;

export const MAX_KEY_BYTES = 1024;
/** Files stay below 2 GiB: @riaskov/mmap-io passes sizes and offsets as int32 (our map too). */
export const MAX_FILE_SIZE = 2 ** 31 - 1;

/** Pages are 4 KiB to 16 MiB, a multiple of 4 KiB. */
export const MAX_PAGE_SIZE = 16 * 1024 * 1024;
export const DEFAULT_PAGE_SIZE = 65536;
export const DEFAULT_NUM_PAGES = 89;
export const DEFAULT_STRIPES = 16;

/** The slot table of a page lives right after its header; records follow it. */
export function dataStart(numSlots: number): number {
  return PAGE_HEADER_SIZE + numSlots * 4;
}

function pow2Floor(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

export function minSlots(pageSize: number): number {
  return Math.max(16, pow2Floor(pageSize / 1024));
}

export function initialSlots(pageSize: number): number {
  return Math.max(minSlots(pageSize), pow2Floor(pageSize / 256));
}

/** Enough for a page full of the smallest records (40 bytes) at 75 % load. */
export function maxSlots(pageSize: number): number {
  return pow2Floor(pageSize / 16);
}

/** The largest record (header + key + value, padded) an empty page can hold. */
export function maxRecordSize(pageSize: number): number {
  return pageSize - dataStart(minSlots(pageSize));
}

export function recordSize(keyLen: number, valueLen: number): number {
  return (RECORD_HEADER_SIZE + keyLen + valueLen + 7) & ~7;
}

export function fileSizeFor(pageSize: number, numPages: number, stripes: number): number {
  return HEADER_SIZE + (numPages + stripes) * pageSize;
}
