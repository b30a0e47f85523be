import { resolve } from 'node:path';
import { FastMmapError } from './errors.js';
import type { Geometry } from './file.js';
import {
  DEFAULT_NUM_PAGES,
  DEFAULT_PAGE_SIZE,
  DEFAULT_STRIPES,
  MAX_PAGE_SIZE,
  MAX_STRIPES,
} from './layout.js';
import { defaultCachePath } from './paths.js';
import { checkPressureOptions } from './pressure.js';
import type { CacheOptions, Clock } from './types.js';
import { unknownKeyLines, unknownKeysMessage } from './unknown-keys.js';

export interface ResolvedOptions {
  path: string;
  defaultDir: boolean;
  geometry: Geometry;
  explicit: { pageSize: boolean; numPages: boolean; stripes: boolean };
  /** Kept so numPages can be recomputed with an adopted page size. */
  cacheSize: number | undefined;
  expireTime: number;
  mode: number;
  initFile: boolean;
  adoptGeometry: boolean;
  readOnly: boolean;
  clock: Clock;
  lockTimeout: number;
  decodeCache: number;
  allowNetworkFilesystem: boolean;
}

/** About 4,000 sessions of 1 KiB: the active ones of a busy server. */
const DEFAULT_DECODE_CACHE = 4 * 1024 * 1024;

function invalid(message: string): FastMmapError {
  return new FastMmapError('ERR_FASTMMAP_INVALID_OPTION', message);
}

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

export function validTtl(ttl: unknown, name: string): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw invalid(
      `${name} must be a finite number of milliseconds >= 0 (0 = never expires), got ${String(ttl)}`,
    );
  }
  return ttl;
}

/**
 * A reading of the injected clock, checked: NaN (a clock returning a Date, or undefined) made
 * expiresAt NaN, which no time reaches (the entry never expired, and entries already expired
 * were served again), and a negative reading could make it 0, which means "never".
 */
export function checkedNow(now: unknown): number {
  if (typeof now === 'number' && Number.isFinite(now) && now >= 0) return now;
  throw invalid(
    `clock() must return ms since the epoch (a finite number >= 0), got ${typeof now === 'number' ? now : typeof now}`,
  );
}

/** Every option FastMmapCache.open() takes (`satisfies` keeps it in step with CacheOptions). */
export const CACHE_OPTION_KEYS = Object.keys({
  path: 0,
  appName: 0,
  pageSize: 0,
  numPages: 0,
  cacheSize: 0,
  expireTime: 0,
  codec: 0,
  mode: 0,
  initFile: 0,
  adoptGeometry: 0,
  readOnly: 0,
  clock: 0,
  lockTimeout: 0,
  decodeCache: 0,
  lockStripes: 0,
  allowNetworkFilesystem: 0,
  pressure: 0,
} satisfies Record<keyof CacheOptions, 0>);
const KNOWN = new Set(CACHE_OPTION_KEYS);

// FastMmapStore's names and Cache::FastMmap's (Perl), with what to write here instead.
const HINTS = new Map<string, string>([
  ['storage', 'use path (FastMmapStore calls it storage)'],
  ['share_file', 'use path'],
  ['expires', 'use expireTime (ms)'],
  ['ttl', 'use expireTime (ms), or the ttl option of set()'],
  ['expire_time', "use expireTime (ms; Cache::FastMmap's was in seconds)"],
  ['cache_size', 'use cacheSize (bytes)'],
  ['page_size', 'use pageSize (bytes)'],
  ['num_pages', 'use numPages'],
  ['init_file', 'use initFile'],
  ['serializer', "use codec ('cbor', 'json', 'raw' or { name, encode, decode })"],
]);

export function resolveOptions(o: CacheOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw invalid('options must be an object');
  const unknown = unknownKeyLines(o, KNOWN, HINTS, 'not an option');
  if (unknown.length > 0) throw invalid(unknownKeysMessage('FastMmapCache', unknown, KNOWN));
  const pageSize = o.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!isInt(pageSize) || pageSize < 4096 || pageSize > MAX_PAGE_SIZE || pageSize % 4096 !== 0) {
    throw invalid(
      `pageSize must be a multiple of 4096 between 4096 and ${MAX_PAGE_SIZE}, got ${String(o.pageSize)}`,
    );
  }
  if (o.numPages !== undefined && o.cacheSize !== undefined)
    throw invalid('give numPages or cacheSize, not both');
  if (
    o.cacheSize !== undefined &&
    (typeof o.cacheSize !== 'number' || !Number.isFinite(o.cacheSize) || o.cacheSize <= 0)
  ) {
    throw invalid(`cacheSize must be a number of bytes > 0, got ${String(o.cacheSize)}`);
  }
  const numPages =
    o.numPages ??
    (o.cacheSize !== undefined ? Math.ceil(o.cacheSize / pageSize) : DEFAULT_NUM_PAGES);
  if (!isInt(numPages) || numPages < 1)
    throw invalid(`numPages must be an integer >= 1, got ${String(o.numPages)}`);
  const stripesAsked = o.lockStripes ?? DEFAULT_STRIPES;
  if (!isInt(stripesAsked) || stripesAsked < 1 || stripesAsked > MAX_STRIPES) {
    throw invalid(
      `lockStripes must be an integer from 1 to ${MAX_STRIPES}, got ${String(o.lockStripes)}`,
    );
  }
  const mode = o.mode ?? 0o600;
  // Owner read/write; group may read (0640); nobody else gets anything, nobody but the owner writes.
  if (!isInt(mode) || (mode & 0o600) !== 0o600 || (mode & ~0o640) !== 0) {
    throw invalid(`mode must be 0o600 or 0o640, got 0o${Number(o.mode).toString(8)}`);
  }
  const clock = o.clock ?? Date.now;
  if (typeof clock !== 'function')
    throw invalid('clock must be a function returning ms since the epoch');
  const lockTimeout = o.lockTimeout ?? 5000;
  if (typeof lockTimeout !== 'number' || !Number.isFinite(lockTimeout) || lockTimeout < 0) {
    throw invalid(`lockTimeout must be a number of ms >= 0, got ${String(o.lockTimeout)}`);
  }
  const decodeCache = o.decodeCache ?? DEFAULT_DECODE_CACHE;
  if (!isInt(decodeCache) || decodeCache < 0) {
    throw invalid(`decodeCache must be a number of bytes >= 0, got ${String(o.decodeCache)}`);
  }
  checkPressureOptions(o.pressure);
  for (const flag of ['initFile', 'adoptGeometry', 'readOnly', 'allowNetworkFilesystem'] as const) {
    const value = o[flag];
    if (value !== undefined && typeof value !== 'boolean') {
      throw invalid(`${flag} must be true or false, got ${String(value)}`);
    }
  }
  if (o.readOnly && o.initFile) throw invalid('readOnly and initFile exclude each other');
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path.length === 0)) {
    throw invalid('path must be a non-empty string');
  }
  return {
    // Resolved once, here: errors, warnings and stats name the file whatever the app's cwd
    // (PM2, systemd), and a later chdir does not make the file checks look at another path.
    path: o.path === undefined ? defaultCachePath(o.appName) : resolve(o.path),
    defaultDir: o.path === undefined,
    geometry: { pageSize, numPages, stripes: Math.min(stripesAsked, numPages) },
    explicit: {
      pageSize: o.pageSize !== undefined,
      numPages: o.numPages !== undefined || o.cacheSize !== undefined,
      stripes: o.lockStripes !== undefined,
    },
    cacheSize: o.cacheSize,
    expireTime: validTtl(o.expireTime ?? 0, 'expireTime'),
    mode,
    initFile: o.initFile === true,
    adoptGeometry: o.adoptGeometry === true,
    readOnly: o.readOnly === true,
    clock,
    lockTimeout,
    decodeCache,
    allowNetworkFilesystem: o.allowNetworkFilesystem === true,
  };
}
