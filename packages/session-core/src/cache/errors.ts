import { MAX_KEY_BYTES } from './layout.js';

/**
 * Every error the cache throws is a `FastMmapError` with a stable `code`, so callers can
 * branch on `err.code` without parsing messages.
 */
export type FastMmapErrorCode =
  | 'ERR_FASTMMAP_INVALID_OPTION' // an option is out of range or of the wrong type
  | 'ERR_FASTMMAP_INVALID_KEY' // empty, too long or not well-formed UTF-16
  | 'ERR_FASTMMAP_VALUE_TOO_LARGE' // the encoded record cannot fit in one page; old value kept
  | 'ERR_FASTMMAP_ENCODE' // the codec could not encode the value; old value kept
  | 'ERR_FASTMMAP_DECODE' // a record that passed its checksum did not decode (say, the stack ran out); kept
  | 'ERR_FASTMMAP_LOCK_TIMEOUT' // a page lock was not granted before the deadline
  | 'ERR_FASTMMAP_REENTRANT' // a cache call made from inside a getAndSet callback
  | 'ERR_FASTMMAP_NOT_A_CACHE_FILE' // empty, short, garbage or foreign file at open
  | 'ERR_FASTMMAP_VERSION' // a cache file of another format version
  | 'ERR_FASTMMAP_GEOMETRY' // file geometry differs from the options (and adopt was not asked)
  | 'ERR_FASTMMAP_UNSAFE_FILE' // symlink, foreign owner, group/world-writable, hard-linked
  | 'ERR_FASTMMAP_LOCK_FAILED' // a page lock (a mutex in the header) is damaged and cannot be taken
  | 'ERR_FASTMMAP_NETWORK_FS' // NFS, CIFS, FUSE, 9p... without the explicit override
  | 'ERR_FASTMMAP_FILE_TOO_LARGE' // the mapping takes 32-bit sizes: files stay below 2 GiB
  | 'ERR_FASTMMAP_NO_SPACE' // the disk (or its inodes) filled while the file was made
  | 'ERR_FASTMMAP_MAP_FAILED' // the kernel would not map the file (ulimit -v, vm.max_map_count, a filesystem without mmap)
  | 'ERR_FASTMMAP_READ_ONLY' // a write on a cache opened with readOnly
  | 'ERR_FASTMMAP_WORKER_THREAD' // open() outside the main thread (fs-ext is not thread-safe)
  | 'ERR_FASTMMAP_NATIVE_ADDON' // fs-ext or this package's addon is not built (its install script did not run) or was bundled away
  | 'ERR_FASTMMAP_UNSUPPORTED_RUNTIME' // open() on Bun or Deno, which cannot load fs-ext
  | 'ERR_FASTMMAP_CLOSED'; // any call after close()

export class FastMmapError extends Error {
  readonly code: FastMmapErrorCode;

  constructor(code: FastMmapErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FastMmapError';
    this.code = code;
  }
}

export function isFastMmapError(err: unknown, code?: FastMmapErrorCode): err is FastMmapError {
  return err instanceof FastMmapError && (code === undefined || err.code === code);
}

/** ERR_FASTMMAP_INVALID_KEY, saying what is wrong with this key. */
export function invalidKey(key: unknown): FastMmapError {
  const what =
    typeof key !== 'string'
      ? `a ${typeof key}`
      : key.length === 0
        ? 'empty'
        : key.length > MAX_KEY_BYTES
          ? `${key.length} characters long`
          : 'not well-formed UTF-16 (lone surrogate) or too long';
  return new FastMmapError(
    'ERR_FASTMMAP_INVALID_KEY',
    `cache keys must be non-empty, well-formed strings of at most ${MAX_KEY_BYTES} UTF-8 bytes; this key is ${what}`,
  );
}

/** ERR_FASTMMAP_DECODE for a record that passed its checksum (it is kept). */
export function decodeError(codec: string, key: string, err: unknown): FastMmapError {
  return new FastMmapError(
    'ERR_FASTMMAP_DECODE',
    `the ${codec} codec could not decode the value of ${JSON.stringify(key.slice(0, 64))} (kept): ${(err as Error)?.message ?? String(err)}`,
    { cause: err },
  );
}

/** The codec named in the file's header, for each codec-mismatch error (see fileCodecOf). */
const fileCodecs = new WeakMap<FastMmapError, string>();

/** ERR_FASTMMAP_INVALID_OPTION: the file holds values of another codec than the one given. */
export function codecMismatch(path: string, fileCodec: string, given: string): FastMmapError {
  const err = new FastMmapError(
    'ERR_FASTMMAP_INVALID_OPTION',
    `${path} holds values of codec '${fileCodec}', not '${given}': open it with the same codec`,
  );
  fileCodecs.set(err, fileCodec);
  return err;
}

/** The file's codec when `err` is a codec mismatch, so a wrapper can give its own advice. */
export function fileCodecOf(err: unknown): string | undefined {
  return err instanceof FastMmapError ? fileCodecs.get(err) : undefined;
}
