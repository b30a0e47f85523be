import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { FastMmapError } from './errors.js';
import {
  BYTE_ORDER_MARK,
  CODEC_NAME_MAX,
  FORMAT_VERSION,
  fileSizeFor,
  H_BOM,
  H_CODEC,
  H_CRC,
  H_CREATED_AT,
  H_CREATION_ID,
  H_FILE_SIZE,
  H_HEADER_SIZE,
  H_MAGIC_0,
  H_MAGIC_1,
  H_NUM_PAGES,
  H_PAGE_SIZE,
  H_STRIPES,
  H_VERSION,
  HEADER_SIZE,
  isCodecName,
  MAGIC_0,
  MAGIC_1,
  MAX_STRIPES,
} from './layout.js';

/** What the file header says about the file: its geometry and identity. */
export interface FileHeader {
  formatVersion: number;
  pageSize: number;
  numPages: number;
  stripes: number;
  fileSize: number;
  createdAt: number;
  creationId: string;
  codec: string;
}

export function writeHeader(buf: Buffer, h: Omit<FileHeader, 'formatVersion'>): void {
  buf.fill(0, 0, HEADER_SIZE);
  buf.writeUInt32LE(MAGIC_0, H_MAGIC_0);
  buf.writeUInt32LE(MAGIC_1, H_MAGIC_1);
  buf.writeUInt32LE(FORMAT_VERSION, H_VERSION);
  buf.writeUInt32LE(BYTE_ORDER_MARK, H_BOM);
  buf.writeUInt32LE(HEADER_SIZE, H_HEADER_SIZE);
  buf.writeUInt32LE(h.pageSize, H_PAGE_SIZE);
  buf.writeUInt32LE(h.numPages, H_NUM_PAGES);
  buf.writeUInt32LE(h.stripes, H_STRIPES);
  buf.writeDoubleLE(h.fileSize, H_FILE_SIZE);
  buf.writeDoubleLE(h.createdAt, H_CREATED_AT);
  Buffer.from(h.creationId, 'hex').copy(buf, H_CREATION_ID, 0, 16);
  buf.write(h.codec.slice(0, CODEC_NAME_MAX), H_CODEC, CODEC_NAME_MAX, 'latin1');
  buf.writeUInt32LE(crc32(buf.subarray(0, H_CRC)), H_CRC);
}

function notACacheFile(path: string, why: string): FastMmapError {
  return new FastMmapError(
    'ERR_FASTMMAP_NOT_A_CACHE_FILE',
    `${path} is not a fastmmap cache file: ${why}`,
  );
}

/** Validates the header bytes of `path` against the file's real size; throws typed errors. */
export function parseHeader(buf: Buffer, realSize: number, path: string): FileHeader {
  if (realSize < HEADER_SIZE || buf.length < HEADER_SIZE) {
    throw notACacheFile(path, `${realSize} bytes is shorter than a header`);
  }
  if (buf.readUInt32LE(H_MAGIC_0) !== MAGIC_0 || buf.readUInt32LE(H_MAGIC_1) !== MAGIC_1) {
    throw notACacheFile(path, 'bad magic');
  }
  const version = buf.readUInt32LE(H_VERSION);
  if (buf.readUInt32LE(H_BOM) !== BYTE_ORDER_MARK)
    throw notACacheFile(path, 'written with another byte order');
  if (buf.readUInt32LE(H_CRC) !== crc32(buf.subarray(0, H_CRC)))
    throw notACacheFile(
      path,
      'header checksum mismatch (if nothing else is wrong, `fastmmap copy --salvage` copies its items to a new file)',
    );
  if (version !== FORMAT_VERSION) {
    throw new FastMmapError(
      'ERR_FASTMMAP_VERSION',
      `${path} has cache format version ${version}; this library reads version ${FORMAT_VERSION}. Files are never converted: use another path, or stop every process that uses this one and remove it, and with a format 1 file its <path>.lock-<n> files (its entries are lost)`,
    );
  }
  const pageSize = buf.readUInt32LE(H_PAGE_SIZE);
  const numPages = buf.readUInt32LE(H_NUM_PAGES);
  const stripes = buf.readUInt32LE(H_STRIPES);
  const fileSize = buf.readDoubleLE(H_FILE_SIZE);
  const sane =
    buf.readUInt32LE(H_HEADER_SIZE) === HEADER_SIZE &&
    pageSize >= 4096 &&
    pageSize % 4096 === 0 &&
    numPages >= 1 &&
    stripes >= 1 &&
    stripes <= MAX_STRIPES &&
    stripes <= numPages &&
    fileSize === fileSizeFor(pageSize, numPages, stripes);
  if (!sane) throw notACacheFile(path, 'inconsistent geometry in header');
  if (fileSize !== realSize)
    throw notACacheFile(path, `header says ${fileSize} bytes, file has ${realSize}`);
  const codecEnd = buf.indexOf(0, H_CODEC);
  const codec = buf.toString(
    'latin1',
    H_CODEC,
    Math.min(codecEnd < 0 ? H_CODEC + CODEC_NAME_MAX : codecEnd, H_CODEC + CODEC_NAME_MAX),
  );
  // Not a name any codec could have: damage, not a codec.
  if (!isCodecName(codec)) {
    throw notACacheFile(
      path,
      `codec name in header is not printable ASCII: ${JSON.stringify(codec)}`,
    );
  }
  return {
    formatVersion: version,
    pageSize,
    numPages,
    stripes,
    fileSize,
    createdAt: buf.readDoubleLE(H_CREATED_AT),
    creationId: buf.toString('hex', H_CREATION_ID, H_CREATION_ID + 16),
    codec,
  };
}

/**
 * For salvage tools, on a copy made for the purpose (never a file in use): gives the header of
 * `path` a right checksum if the checksum is all that parseHeader refuses, and throws what
 * parseHeader throws otherwise. The geometry must still match the file's size, so what a bad
 * checksum can hide is damage to fields nothing is laid out by (the file's id, its creation
 * time, the checksum itself); pages and records keep checks of their own.
 */
export function resealHeader(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const header = Buffer.alloc(HEADER_SIZE);
    readSync(fd, header, 0, HEADER_SIZE, 0);
    header.writeUInt32LE(crc32(header.subarray(0, H_CRC)), H_CRC);
    parseHeader(header, fstatSync(fd).size, path);
    writeSync(fd, header, H_CRC, 4, H_CRC);
  } finally {
    closeSync(fd);
  }
}
