import { createRequire } from 'node:module';
import { addonLoadError } from './addon-load-error.js';
import { mmapIoBinding } from './mmap-io-binding.js';
import { withoutDeprecations } from './quiet-deprecations.js';
import { TEST_MMAP_IO_ENTRY, TEST_OWN_MAP } from './test-hooks.js';

/**
 * What we use of @riaskov/mmap-io, which this package's addon (native/map-file.c) also provides:
 * map(size, PROT_READ or PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0). A failed mmap throws an
 * Error "mmap failed, <errno>" from either (ours adds code, errno and syscall).
 */
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
 * a byte offset of a mapping. Results are errno numbers, 0 for success. It also maps files
 * (native/map-file.c), for when @riaskov/mmap-io is not built.
 */
export interface RobustMutexAddon extends MmapIo {
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

// Undefined in a bundle that cannot load addons: a CommonJS one empties import.meta.url (and
// createRequire would throw here, at import, for MemoryStore users too); webpack replaces
// the call with undefined.
const require: NodeJS.Require | undefined =
  typeof import.meta.url === 'string' ? createRequire(import.meta.url) : undefined;
let mmapIo: MmapIo | undefined;
let fsExt: FsExt | undefined;
let robustMutex: RobustMutexAddon | undefined;

// All are loaded on the first open, never at import: MemoryStore and RedisStore users, and
// anyone importing this package in a worker thread (where fs-ext crashes the process), never
// need them, and a missing build should fail one open with a way out, not every import.
//
// @riaskov/mmap-io is an optional dependency: its build fails on Node 23+ (it pins C++17; V8's
// headers need C++20) and npm and pnpm then install without it. Our addon maps the file the
// same way (MAP_SHARED, the whole file from offset 0), so processes that map with either share
// one file. When neither loads, the error names our addon: the page locks need it anyway.
export function loadMmapIo(): MmapIo {
  mmapIo ??= (TEST_OWN_MAP ? undefined : loadMmapIoPackage()) ?? loadRobustMutex();
  return mmapIo;
}

/** @riaskov/mmap-io's binding directly, else through its package entry (another layout). */
function loadMmapIoPackage(): MmapIo | undefined {
  if (require === undefined) return undefined;
  const binding = TEST_MMAP_IO_ENTRY ? undefined : mmapIoBinding<MmapIo>(require);
  if (binding === 'not built') return undefined;
  return binding ?? withoutDeprecations(() => tryRequire<MmapIo>('@riaskov/mmap-io'));
}

/** Which addon maps files in this process (for tests). */
export function mmapProvider(): '@riaskov/mmap-io' | '@fastmmap/session-core' {
  return loadMmapIo() === robustMutex ? '@fastmmap/session-core' : '@riaskov/mmap-io';
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

function tryRequire<T>(path: string): T | undefined {
  try {
    return require?.(path) as T | undefined;
  } catch {
    return undefined;
  }
}

function load<T>(path: string, name = path): T {
  try {
    if (require === undefined) throw new Error('createRequire(import.meta.url) was bundled away');
    return require(path) as T;
  } catch (err) {
    throw addonLoadError(name, err, require === undefined);
  }
}
