import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  constants as fsConstants,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  type Stats,
  statfsSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { removeDeadProcessesFiles } from './dead-process-files.js';
import { FastMmapError } from './errors.js';
import type { FileIdentity } from './file-identity.js';
import { type FileHeader, parseHeader, writeHeader } from './header.js';
import {
  dataStart,
  fileSizeFor,
  HEADER_SIZE,
  initialSlots,
  MAX_FILE_SIZE,
  P_FREE_DATA,
  P_INDEX,
  P_MAGIC,
  P_NUM_SLOTS,
  PAGE_MAGIC,
} from './layout.js';
import { holdCreationLock } from './lock-files.js';
import { mapFailure } from './map-failure.js';
import { loadMmapIo } from './native-addons.js';
import { sleepSync } from './sleep-sync.js';
import { crashPoint, TEST_FSTYPE, TEST_HOOKS } from './test-hooks.js';

/** statfs f_type values of filesystems where flock or mmap coherence cannot be trusted. */
const NETWORK_FS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'NFS'],
  [0x517b, 'SMB'],
  [0xff534d42, 'CIFS'],
  [0xfe534d42, 'SMB2'],
  [0x65735546, 'FUSE'],
  [0x01021997, '9p'],
  [0x00c36400, 'Ceph'],
  [0x6a656a63, 'virtiofs'],
  [0x47504653, 'GPFS'],
  [0x0bd00bd0, 'Lustre'],
  [0x564c, 'NCP'],
  [0x73757245, 'Coda'],
  [0x5346414f, 'AFS'],
]);

export interface Geometry {
  pageSize: number;
  numPages: number;
  stripes: number;
}

export interface OpenRequest {
  path: string;
  geometry: Geometry;
  /** Which geometry fields the caller set; unset ones are adopted from an existing file. */
  explicit: { pageSize: boolean; numPages: boolean; stripes: boolean };
  /** When the page count came from cacheSize, it is recomputed with the file's page size. */
  cacheSize: number | undefined;
  adoptGeometry: boolean;
  readOnly: boolean;
  mode: number;
  codecName: string;
  allowNetworkFilesystem: boolean;
  /** True when `path` is the default path: its directory is created private if missing. */
  defaultDir: boolean;
}

export interface OpenedFile {
  map: Buffer;
  header: FileHeader;
  /** Which file was mapped, to tell later whether its path still names it. */
  identity: FileIdentity;
}

function unsafe(message: string): FastMmapError {
  return new FastMmapError('ERR_FASTMMAP_UNSAFE_FILE', message);
}

function euid(): number | undefined {
  return process.geteuid?.();
}

/** The default directory is ours alone: created 0700, and refused if anyone else could write it. */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw unsafe(`${dir} must be a directory, not a symlink`);
  if (!st.isDirectory()) throw unsafe(`${dir} must be a directory, and is a ${fileKind(st)}`);
  const uid = euid();
  if (uid !== undefined && st.uid !== uid)
    throw unsafe(`${dir} is owned by uid ${st.uid}, not ${uid}`);
  if ((st.mode & 0o022) !== 0)
    throw unsafe(`${dir} is group/world-writable (mode ${(st.mode & 0o777).toString(8)})`);
}

function fileKind(st: Stats): string {
  if (st.isFile()) return 'regular file';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  return 'device';
}

/**
 * Someone who can write the parent directory can swap the file: refuse unless it is sticky.
 * Its owner can always (the sticky bit does not bind the directory's owner): it must be ours
 * or root's.
 */
function checkParentDir(dir: string): void {
  const st = statSync(dir);
  if (!st.isDirectory()) throw unsafe(`${dir} is not a directory`);
  const uid = euid();
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
    throw unsafe(
      `${dir} is owned by uid ${st.uid}, not by this user (${uid}) or root; its owner could delete or replace the cache file. Use a directory this user or root owns`,
    );
  }
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) {
    throw unsafe(
      `${dir} is group/world-writable without the sticky bit; anyone there could replace the cache file`,
    );
  }
}

/** The name of a network/virtual filesystem for a statfs type, or undefined for a local one. */
export function networkFilesystemName(type: number): string | undefined {
  return NETWORK_FS.get(type >>> 0);
}

function checkFilesystem(dir: string, allowNetwork: boolean): void {
  if (allowNetwork) return;
  const type = (TEST_FSTYPE ?? Number(statfsSync(dir).type)) >>> 0;
  const name = networkFilesystemName(type);
  if (name !== undefined) {
    throw new FastMmapError(
      'ERR_FASTMMAP_NETWORK_FS',
      `${dir} is on ${name} (statfs type 0x${type.toString(16)}): flock and mmap are not coherent there; use a local disk or tmpfs, or set allowNetworkFilesystem`,
    );
  }
}

function checkOpenedFile(fd: number, path: string, readOnly: boolean): Stats {
  const st = fstatSync(fd);
  if (!st.isFile()) throw unsafe(`${path} is not a regular file`);
  const uid = euid();
  // Reading another user's cache (the CLI as root, or as a member of the group of a 0o640
  // file) is allowed; writing it is not: a file someone else owns is theirs to change.
  if (uid !== undefined && st.uid !== uid && !readOnly) {
    throw unsafe(`${path} is owned by uid ${st.uid}, not ${uid}`);
  }
  if ((st.mode & 0o022) !== 0)
    throw unsafe(`${path} is group/world-writable (mode ${(st.mode & 0o777).toString(8)})`);
  // Its session ids are bearer credentials: an app does not serve from a file every local user
  // can read (a chmod or a copy made it so; the file is created 0o600 or 0o640). Reading one,
  // as the CLI does, is allowed, to inspect it.
  if ((st.mode & 0o004) !== 0 && !readOnly)
    throw unsafe(
      `${path} is world-readable (mode ${(st.mode & 0o777).toString(8)}): any local user could read its session ids; chmod o-r it`,
    );
  if (st.nlink !== 1) throw unsafe(`${path} has ${st.nlink} hard links`);
  return st;
}

export function checkGeometry(req: OpenRequest, header: FileHeader): Geometry {
  const want = { ...req.geometry };
  if (req.cacheSize !== undefined && !req.explicit.pageSize) {
    want.numPages = Math.ceil(req.cacheSize / header.pageSize);
  }
  if (!req.explicit.stripes) want.stripes = header.stripes;
  else want.stripes = Math.min(want.stripes, header.numPages);
  const mismatches: string[] = [];
  if (req.explicit.pageSize && header.pageSize !== want.pageSize)
    mismatches.push(`pageSize ${header.pageSize} (asked ${want.pageSize})`);
  if (req.explicit.numPages && header.numPages !== want.numPages)
    mismatches.push(`numPages ${header.numPages} (asked ${want.numPages})`);
  if (req.explicit.stripes && header.stripes !== want.stripes)
    mismatches.push(`lockStripes ${header.stripes} (asked ${want.stripes})`);
  if (mismatches.length > 0 && !req.adoptGeometry) {
    throw new FastMmapError(
      'ERR_FASTMMAP_GEOMETRY',
      `${req.path} has ${mismatches.join(', ')} (the file: pageSize ${header.pageSize}, numPages ${header.numPages}, lockStripes ${header.stripes}); open it with the same options, or adoptGeometry: true, or use another path (the file is never resized)`,
    );
  }
  return { pageSize: header.pageSize, numPages: header.numPages, stripes: header.stripes };
}

/** Opens the cache file, creating it first if it is missing (unless readOnly). */
export function openCacheFile(req: OpenRequest): OpenedFile {
  const dir = dirname(req.path);
  if (req.defaultDir && !req.readOnly) ensurePrivateDir(dir);
  if (!req.readOnly) checkParentDir(dir);
  checkFilesystem(dir, req.allowNetworkFilesystem);
  const { O_RDONLY, O_RDWR, O_NOFOLLOW, O_NONBLOCK } = fsConstants;
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO at the path would block a read-only open until a writer came (the
      // "not a regular file" check runs after the open); it means nothing for a regular file.
      fd = openSync(req.path, (req.readOnly ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw unsafe(`${req.path} is a symlink`);
      if (code === 'EISDIR') throw unsafe(`${req.path} is a directory`);
      // A socket (or a device without a driver) cannot be opened at all: it never gets to the
      // regular-file check after the open.
      if (code === 'ENXIO') throw unsafe(`${req.path} is not a regular file`);
      if (code === 'ENOENT' && req.readOnly) {
        throw new FastMmapError(
          'ERR_FASTMMAP_NOT_A_CACHE_FILE',
          `${req.path} does not exist (readOnly never creates)`,
        );
      }
      if (code === 'ENOENT' && attempt < 5) {
        createCacheFile(req);
        continue;
      }
      throw err;
    }
    try {
      let st: Stats;
      try {
        st = checkOpenedFile(fd, req.path, req.readOnly);
      } catch (err) {
        // A racing creator links its temp file in, then unlinks the temp: nlink is 2 briefly.
        if (isFastMmapNlink(err) && attempt < 10) {
          sleepSync(2);
          continue;
        }
        throw err;
      }
      const head = Buffer.alloc(HEADER_SIZE);
      readSync(fd, head, 0, HEADER_SIZE, 0);
      const header = parseHeader(head, st.size, req.path);
      checkGeometry(req, header);
      if (header.fileSize > MAX_FILE_SIZE) throw tooLarge(header.fileSize);
      const mmap = loadMmapIo();
      const prot = req.readOnly ? mmap.PROT_READ : mmap.PROT_READ | mmap.PROT_WRITE;
      let map: Buffer;
      try {
        map = mmap.map(header.fileSize, prot, mmap.MAP_SHARED, fd, 0);
      } catch (err) {
        throw mapFailure(err, header.fileSize);
      }
      return { map, header, identity: { dev: st.dev, ino: st.ino } };
    } finally {
      // The mapping outlives the descriptor.
      closeSync(fd);
    }
  }
}

function isFastMmapNlink(err: unknown): boolean {
  return (
    err instanceof FastMmapError &&
    err.code === 'ERR_FASTMMAP_UNSAFE_FILE' &&
    /hard links/.test(err.message)
  );
}

export function tooLarge(size: number): FastMmapError {
  return new FastMmapError(
    'ERR_FASTMMAP_FILE_TOO_LARGE',
    `a cache file of ${size} bytes is too large: files must stay below 2 GiB (mmap-io takes 32-bit sizes)`,
  );
}

/** Fills one page image: header fields and an empty slot table. */
export function initPageImage(buf: Buffer, at: number, pageSize: number, index: number): void {
  buf.fill(0, at, at + pageSize);
  const slots = initialSlots(pageSize);
  buf.writeUInt32LE(PAGE_MAGIC, at + P_MAGIC);
  buf.writeUInt32LE(index, at + P_INDEX);
  buf.writeUInt32LE(slots, at + P_NUM_SLOTS);
  buf.writeUInt32LE(dataStart(slots), at + P_FREE_DATA);
}

/**
 * How long an opener waits for another process that is creating the same file: creating one
 * means writing up to 2 GiB and an fsync, so this is not the page lock's lockTimeout.
 */
const CREATION_WAIT_MS = 120_000;

/**
 * Builds the whole file under a temp name (O_EXCL|O_NOFOLLOW, zero-filled by writing so it is
 * never sparse), then links it into place. One creator at a time (holdCreationLock): an opener
 * that waited for another creator finds the file there and builds nothing. If someone linked
 * first anyway (a creator that did not wait), theirs is kept.
 */
function createCacheFile(req: OpenRequest): void {
  const { pageSize, numPages, stripes } = req.geometry;
  const fileSize = fileSizeFor(pageSize, numPages, stripes);
  if (fileSize > MAX_FILE_SIZE) throw tooLarge(fileSize);
  const lock = holdCreationLock(req.path, CREATION_WAIT_MS);
  try {
    if (!pathExists(req.path)) buildCacheFile(req, fileSize);
  } finally {
    lock.release();
  }
}

function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** ERR_FASTMMAP_NO_SPACE for a filesystem out of room, inodes or quota; else undefined. */
function noSpaceError(err: unknown, dir: string, fileSize: number): FastMmapError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'ENOSPC' && code !== 'EFBIG' && code !== 'EDQUOT') return undefined;
  return new FastMmapError(
    'ERR_FASTMMAP_NO_SPACE',
    `no room for a ${fileSize}-byte cache file in ${dir} (${code}); free space or use a smaller cacheSize`,
    { cause: err },
  );
}

function buildCacheFile(req: OpenRequest, fileSize: number): void {
  const { pageSize, numPages, stripes } = req.geometry;
  const dir = dirname(req.path);
  const tmpPrefix = `.${basename(req.path)}.tmp-`;
  removeDeadProcessesFiles(dir, tmpPrefix);
  const tmp = join(dir, `${tmpPrefix}${process.pid}-${randomBytes(6).toString('hex')}`);
  const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = fsConstants;
  let fd: number;
  try {
    fd = openSync(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, req.mode);
  } catch (err) {
    throw noSpaceError(err, dir, fileSize) ?? err; // out of inodes, say
  }
  let fdOpen = true;
  try {
    fchmodSync(fd, req.mode); // the umask must not widen or narrow the requested mode
    const head = Buffer.alloc(HEADER_SIZE);
    writeHeader(head, {
      pageSize,
      numPages,
      stripes,
      fileSize,
      createdAt: Date.now(),
      creationId: randomBytes(16).toString('hex'),
      codec: req.codecName,
    });
    writeAll(fd, head, 0);
    const perChunk = Math.max(1, Math.floor((1 << 20) / pageSize));
    const chunk = Buffer.alloc(perChunk * pageSize);
    let pos = HEADER_SIZE;
    for (let p = 0; p < numPages + stripes; p += perChunk) {
      const n = Math.min(perChunk, numPages + stripes - p);
      for (let i = 0; i < n; i++) {
        if (p + i < numPages) initPageImage(chunk, i * pageSize, pageSize, p + i);
        else chunk.fill(0, i * pageSize, (i + 1) * pageSize); // spare pages start empty
      }
      writeAll(fd, chunk.subarray(0, n * pageSize), pos);
      pos += n * pageSize;
    }
    fsyncSync(fd);
    closeSync(fd);
    fdOpen = false;
    if (TEST_HOOKS) crashPoint('create:after-fill');
    try {
      linkSync(tmp, req.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch (err) {
    throw noSpaceError(err, dir, fileSize) ?? err;
  } finally {
    if (fdOpen) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/**
 * A creator killed between making its temp file and linking it leaves the file behind. Its
 * name carries the creator's pid: a temp file whose creator no longer exists is removed, so
 * crashed creations do not pile up. A live creator's file is never touched.
 */
function writeAll(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}
