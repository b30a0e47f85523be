import { statSync } from 'node:fs';

/** Which file a process mapped: its path may later name another (or none). */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/**
 * Whether `path` still names the mapped file. False once it was deleted or replaced (a tmp
 * cleaner, an admin's `rm`): processes that open the path from then on get a new file, and
 * share nothing with those that still map the old one. Other stat errors: assumed unchanged.
 */
export function stillNamed(path: string, identity: FileIdentity): boolean {
  try {
    const st = statSync(path);
    return st.dev === identity.dev && st.ino === identity.ino;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
