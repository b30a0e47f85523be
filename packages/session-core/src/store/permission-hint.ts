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
  // The session file, or the directory it was to be made in.
  const target = [path, dirname(path)].find((p) => statSync(p, { throwIfNoEntry: false }));
  const owner = target === undefined ? undefined : statSync(target).uid;
  if (owner === undefined || owner === uid) return '';
  const running = `this process runs as uid ${uid}`;
  if (target === path) {
    return `. The file belongs to uid ${owner} and ${running}: every process that shares the sessions writes it, so run them all as its owner, or stop them, remove the file and start them as one user (the first makes it anew); or give this one a file of its own with new FastMmapStore({ storage })`;
  }
  return `. Its directory ${target} belongs to uid ${owner} and ${running}: let this user write there, or pass a path in a directory it owns with new FastMmapStore({ storage }) (every process that shares the sessions must use the same one)`;
}
