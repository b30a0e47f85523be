import { tmpdir } from 'node:os';
import { fileCodecOf } from '../cache/errors.js';
import { isFastMmapError } from '../cache/index.js';
import { isMapFailureOfPlace } from '../cache/map-failure.js';
import { SessionError } from '../errors.js';
import { sessionCodeFor } from './cache-errors.js';
import { permissionHint, permissionModelHint } from './permission-hint.js';

/**
 * Why FastMmapStore could not open its file, as the SessionError its constructor throws, with
 * what to do about it: for a file of another size, how to keep or resize it; for a default
 * path that cannot be used, where that path comes from ($TMPDIR and the uid, which the path
 * alone does not say: a read-only or missing temp dir in a container or a systemd unit).
 */
export function openFailure(err: unknown, path: string, defaultPath: boolean): SessionError {
  if (isFastMmapError(err, 'ERR_FASTMMAP_GEOMETRY')) {
    // The cache's advice names its own adoptGeometry option, which this store passes on only
    // through an open cache.
    return new SessionError(
      'ERR_SESSION_OPTIONS',
      `${err.message}. To keep the file's size: new FastMmapStore({ cache: FastMmapCache.open({ path, adoptGeometry: true }) }), FastMmapCache from '@fastmmap/session-core/cache' (close that cache yourself). To resize it with the sessions in it: stop the apps, run \`fastmmap copy FROM TO --cache-size <bytes>\` (@fastmmap/cli), start them on TO`,
      { cause: err },
    );
  }
  const fileCodec = fileCodecOf(err);
  if (fileCodec !== undefined) {
    // The cache's advice ("the same codec") names an option this store does not take.
    return new SessionError(
      'ERR_SESSION_OPTIONS',
      `FastMmapStore keeps sessions in files of codec 'cbor', and ${path} was made with codec '${fileCodec}' (by FastMmapCache.open, or another app). Give the sessions a file of their own with new FastMmapStore({ storage }), or open this one yourself: new FastMmapStore({ cache: FastMmapCache.open({ path, codec: '${fileCodec}' }) }), FastMmapCache from '@fastmmap/session-core/cache' (values then come back as that codec gives them: 'json' turns Dates into strings)`,
      { cause: err },
    );
  }
  // The cache lets system errors (EACCES, EROFS...) through as Node's.
  const code = isFastMmapError(err) ? sessionCodeFor(err.code) : 'ERR_SESSION_STORE_UNAVAILABLE';
  let hint = permissionHint(err, path) || permissionModelHint(err, path);
  if (isFastMmapError(err, 'ERR_FASTMMAP_NOT_A_CACHE_FILE')) hint = NOT_A_CACHE_FILE_HINT;
  else if (
    hint === '' &&
    defaultPath &&
    code === 'ERR_SESSION_STORE_UNAVAILABLE' &&
    anotherPathMayHelp(err)
  )
    hint = defaultPathHint();
  const message = (err as Error)?.message ?? String(err);
  // Node's own messages may end in a period; the hint goes on as a sentence of its own.
  const said = hint === '' ? message : message.replace(/\.$/, '');
  return new SessionError(
    code,
    // A system error may name a lock file beside it, not the file the user chose.
    `FastMmapStore could not open the session file ${path}: ${said}${hint}`,
    { cause: err },
  );
}

/**
 * Whether the default path's advice (another TMPDIR, a path of one's own) could help: not for
 * an addon or a runtime that cannot run the cache, nor for a map refused for the file's size.
 */
function anotherPathMayHelp(err: unknown): boolean {
  if (isFastMmapError(err, 'ERR_FASTMMAP_NATIVE_ADDON')) return false;
  if (isFastMmapError(err, 'ERR_FASTMMAP_UNSUPPORTED_RUNTIME')) return false;
  return !isFastMmapError(err, 'ERR_FASTMMAP_MAP_FAILED') || isMapFailureOfPlace(err);
}

// The cache never replaces a file it cannot read: the path may name someone's real data.
const NOT_A_CACHE_FILE_HINT =
  '. If it is a session file that something else wrote over, stop every app that uses it and delete it (its sessions are lost: users sign in again); otherwise pass another path with new FastMmapStore({ storage })';

function defaultPathHint(): string {
  const from = process.env.TMPDIR ? '$TMPDIR' : 'os.tmpdir()';
  return `. This is the default path, in ${from} (${tmpdir()}): set TMPDIR to a writable local directory, or pass a path of your own with new FastMmapStore({ storage: '/path/to/sessions.fmcache' }) (every process that shares the sessions must use the same one)`;
}
