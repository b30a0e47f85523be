import { createRequire } from 'node:module';
import { FastMmapError } from './errors.js';

/** What we use of @riaskov/mmap-io. */
export interface MmapIo {
  map(size: number, protection: number, flags: number, fd: number, offset?: number): Buffer;
  PROT_READ: number;
  PROT_WRITE: number;
  MAP_SHARED: number;
}

/** What we use of fs-ext: flockSync only (its fcntl and async calls are unsafe here). */
export interface FsExt {
  flockSync(fd: number, flags: number): void;
  constants: { LOCK_SH: number; LOCK_EX: number; LOCK_NB: number; LOCK_UN: number };
}

const require = createRequire(import.meta.url);
let mmapIo: MmapIo | undefined;
let fsExt: FsExt | undefined;

// Both are loaded on the first open, never at import: MemoryStore and RedisStore users, and
// anyone importing this package in a worker thread (where fs-ext crashes the process), never
// need them, and a missing build should fail one open with a way out, not every import.
export function loadMmapIo(): MmapIo {
  mmapIo ??= load<MmapIo>('@riaskov/mmap-io');
  return mmapIo;
}

export function loadFsExt(): FsExt {
  fsExt ??= load<FsExt>('fs-ext');
  return fsExt;
}

function load<T>(name: string): T {
  try {
    return require(name) as T;
  } catch (err) {
    // Usually the install script that builds it did not run: pnpm 10+ skips dependencies'
    // build scripts unless allowed, and npm skips them with --ignore-scripts.
    throw new FastMmapError(
      'ERR_FASTMMAP_NATIVE_ADDON',
      `the native addon ${name} could not be loaded (${(err as Error)?.message ?? String(err)}). Its build script did not run or failed: with pnpm, allow it (pnpm approve-builds, or allowBuilds in pnpm-workspace.yaml) and reinstall; with npm, reinstall without --ignore-scripts or run npm rebuild ${name}. Building fs-ext needs python3, make and g++`,
      { cause: err },
    );
  }
}
