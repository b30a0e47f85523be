import { fstatSync, statSync } from 'node:fs';

/** Which file a process mapped: its path may later name another (or none). */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file an open descriptor is on. */
export function identityOf(fd: number): FileIdentity {
  const st = fstatSync(fd);
  return { dev: st.dev, ino: st.ino };
}

/** Whether a path still names a file: 'deleted' and 'replaced' mean processes now split. */
export type PathState = 'same' | 'deleted' | 'replaced';

/**
 * Whether `path` still names the file with `identity`. Once it was deleted or replaced (a tmp
 * cleaner, an admin's `rm`), processes that open the path get a new file, and share nothing
 * with those that still map the old one. Other stat errors are no evidence of a change.
 */
export function pathState(path: string, identity: FileIdentity): PathState {
  try {
    const st = statSync(path);
    return st.dev === identity.dev && st.ino === identity.ino ? 'same' : 'replaced';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'deleted' : 'same';
  }
}
