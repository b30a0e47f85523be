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

/**
 * This package's own addon (native/robust-mutex.c): robust, process-shared pthread mutexes at
 * a byte offset of a mapping. Results are errno numbers, 0 for success.
 */
export interface RobustMutexAddon {
  readonly mutexSize: number;
  /** Which C library this build uses (layout.ts LIBC_TAGS); init writes it after the mutex. */
  readonly libcTag: number;
  readonly EOWNERDEAD: number;
  readonly EBUSY: number;
  readonly ETIMEDOUT: number;
  /** A damaged mutex (bytes written over it; see check). */
  readonly EUCLEAN: number;
  readonly ENOTRECOVERABLE: number;
  init(map: Buffer, offset: number): number;
  /** EUCLEAN when the mutex is damaged: its type word garbled, or a lock word no holder wrote. */
  check(map: Buffer, offset: number): number;
  lock(map: Buffer, offset: number, timeoutMs: number): number;
  tryLock(map: Buffer, offset: number): number;
  unlock(map: Buffer, offset: number): number;
}

const require = createRequire(import.meta.url);
let mmapIo: MmapIo | undefined;
let fsExt: FsExt | undefined;
let robustMutex: RobustMutexAddon | undefined;

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

export function loadRobustMutex(): RobustMutexAddon {
  // Built by this package's install script (node-gyp) next to src/ and dist/.
  robustMutex ??= load<RobustMutexAddon>(
    '../../build/Release/robust_mutex.node',
    '@fastmmap/session-core',
  );
  return robustMutex;
}

function load<T>(path: string, name = path): T {
  try {
    return require(path) as T;
  } catch (err) {
    // Usually the install script that builds it did not run: pnpm 10+ skips dependencies'
    // build scripts unless allowed, and npm skips them with --ignore-scripts.
    throw new FastMmapError(
      'ERR_FASTMMAP_NATIVE_ADDON',
      `the native addon ${name} could not be loaded (${(err as Error)?.message ?? String(err)}). Its build script did not run or failed: with pnpm, allow it (pnpm approve-builds, or allowBuilds in pnpm-workspace.yaml) and reinstall; with npm, reinstall without --ignore-scripts or run npm rebuild ${name}. Building them needs python3, make, gcc and g++`,
      { cause: err },
    );
  }
}
