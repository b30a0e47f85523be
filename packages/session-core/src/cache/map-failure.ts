import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { FastMmapError } from './errors.js';

/** What the kernel's limits said when a map failed (read only then; Linux's /proc). */
export interface MappingLimits {
  /**
   * RLIMIT_AS's soft limit in bytes (`ulimit -v`) and the address space in use (VmSize),
   * undefined when unlimited or unknown.
   */
  addressSpace?: { limit: number; used: number } | undefined;
  /** This process's mappings and vm.max_map_count, when both could be read. */
  mappings?: { count: number; max: number } | undefined;
}

/**
 * ERR_FASTMMAP_MAP_FAILED for a failed mmap of the cache file (either addon throws "mmap
 * failed, <errno>"; only ours names the errno), saying which limit refused it. Anything else
 * (a TypeError for a bad argument) comes back untouched.
 */
export function mapFailure(err: unknown, fileSize: number): unknown {
  if (!(err instanceof Error) || !err.message.startsWith('mmap failed')) return err;
  const errno = errnoName(err);
  const limits = errno === 'ENOMEM' ? readMappingLimits() : {};
  return new FastMmapError('ERR_FASTMMAP_MAP_FAILED', mapFailureMessage(errno, fileSize, limits), {
    cause: err,
  });
}

/** A map refused for the file's place (a filesystem without mmap), not for its size. */
export function isMapFailureOfPlace(err: FastMmapError): boolean {
  return err.code === 'ERR_FASTMMAP_MAP_FAILED' && err.message.includes('(ENODEV)');
}

/** The message, from the errno name and the limits (a pure function, for tests). */
export function mapFailureMessage(errno: string, fileSize: number, limits: MappingLimits): string {
  const what = `could not map the ${fileSize}-byte cache file into memory (${errno})`;
  if (errno === 'ENODEV') {
    return `${what}: its filesystem cannot map files; put it on a local disk or a tmpfs`;
  }
  if (errno !== 'ENOMEM') return `${what}: the kernel refused the mapping`;
  const { addressSpace, mappings } = limits;
  // Blamed only when the file would not fit under it: a high limit is not the cause.
  if (addressSpace !== undefined && addressSpace.used + fileSize > addressSpace.limit) {
    // Node and V8 reserve several hundred MiB of address space before any app code runs.
    return `${what}: this process may use ${addressSpace.limit} bytes of address space in all (ulimit -v, "Max address space" in /proc/self/limits) and uses ${addressSpace.used} already, Node itself a large share; raise the limit, or ${SMALLER_FILE}`;
  }
  if (mappings !== undefined && mappings.count >= mappings.max - 16) {
    return `${what}: this process has ${mappings.count} memory mappings and the kernel allows ${mappings.max} (sysctl vm.max_map_count); raise it`;
  }
  return `${what}: the system has no room for the mapping; ${SMALLER_FILE}`;
}

// A file is never resized: a smaller cacheSize on the same path fails with
// ERR_FASTMMAP_GEOMETRY, even when this open made the file.
const SMALLER_FILE =
  'use a smaller file: the file keeps its size, so give a smaller cacheSize with another path (`fastmmap copy FROM TO --cache-size <bytes>` from @fastmmap/cli moves its entries there)';

function errnoName(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('E')) return code;
  const number = Number(/mmap failed, (\d+)/.exec(err.message)?.[1]);
  for (const [name, value] of Object.entries(constants.errno)) {
    if (value === number) return name;
  }
  return `errno ${number}`;
}

function readMappingLimits(): MappingLimits {
  const limits: MappingLimits = {};
  try {
    const line = /^Max address space\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    const used = /^VmSize:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (line?.[1] !== undefined && line[1] !== 'unlimited' && used?.[1] !== undefined) {
      limits.addressSpace = { limit: Number(line[1]), used: Number(used[1]) * 1024 };
    }
  } catch {
    // Not Linux, or /proc not mounted: the message names no limit.
  }
  try {
    const max = Number(readFileSync('/proc/sys/vm/max_map_count', 'latin1'));
    const maps = readFileSync('/proc/self/maps', 'latin1');
    let count = 0;
    for (let at = maps.indexOf('\n'); at >= 0; at = maps.indexOf('\n', at + 1)) count++;
    if (Number.isFinite(max)) limits.mappings = { count, max };
  } catch {
    // As above.
  }
  return limits;
}
