import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * For a file this process may not open (EACCES, EPERM): which user owns it, when that is not
 * this process's. The system error alone says "permission denied", which under PM2's `--uid`,
 * a systemd `User=` or a container's USER looks like a bug; the usual cause is one process that
 * created the file as another user (root, often) before the app's workers started.
 */
export function permissionHint(
  err: unknown,
  path: string,
  uid: number | undefined = process.getuid?.(),
): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if ((code !== 'EACCES' && code !== 'EPERM') || uid === undefined) return '';
  // The file refused (a lock file beside the session file, say), or the directory it was to
  // be made in.
  const refused = (err as NodeJS.ErrnoException).path ?? path;
  const owners = [refused, dirname(refused)].map((p) => [p, ownerOf(p)] as const);
  const [target, owner] = owners.find(([, uidOf]) => uidOf !== undefined) ?? [];
  if (owner === undefined || owner === uid) return '';
  const running = `this process runs as uid ${uid}`;
  if (target === refused) {
    const file = refused === path ? 'The file' : `The file ${refused}`;
    return `. ${file} belongs to uid ${owner} and ${running}: every process that shares the sessions writes it, so run them all as its owner, or stop them, remove the file and start them as one user (the first makes it anew); or give this one a file of its own with new FastMmapStore({ storage })`;
  }
  return `. Its directory ${target} belongs to uid ${owner} and ${running}: let this user write there, or pass a path in a directory it owns with new FastMmapStore({ storage }) (every process that shares the sessions must use the same one)`;
}

/**
 * For a file Node's permission model (--permission, --experimental-permission) kept this
 * process from: what to grant, or, when making a new file, that it must be made without it.
 * The model refuses fsync and fchmod whatever it grants (Node 20-26), and the cache makes a
 * new file with both (durable before it is linked in, its mode exact); an existing file needs
 * neither.
 */
export function permissionModelHint(err: unknown, path: string): string {
  const denied = err as { code?: unknown; permission?: unknown; resource?: unknown } | null;
  if (denied?.code !== 'ERR_ACCESS_DENIED') return '';
  const dir = dirname(path);
  const grants = `--allow-fs-read and --allow-fs-write on ${dir} (every process that shares the sessions reads and writes the file and its directory) and --allow-addons`;
  // A path not granted comes with it; an API the model refuses outright, with ''.
  if (typeof denied.resource === 'string' && denied.resource !== '') {
    const access = denied.permission === 'FileSystemRead' ? 'read' : 'write';
    return `. Node's permission model did not let this process ${access} ${denied.resource}: grant ${grants}`;
  }
  return `. Node's permission model refuses fsync and fchmod, which making a new session file needs: start the app (or any process opening it with the same options) once without the model to make the file, then run under it with ${grants}`;
}

/** A path's owner; undefined where it cannot be read (missing, or a directory not searchable). */
function ownerOf(path: string): number | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })?.uid;
  } catch {
    // Not this process's to stat either: the open's own error says enough.
    return undefined;
  }
}
