import { type Stats, statSync } from 'node:fs';

/**
 * Which file a path named when the CLI opened it. session-core keeps the identity of the file
 * it mapped to itself (its check is private), so the CLI records its own.
 */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export function identityOf(st: Stats): FileIdentity {
  return { dev: st.dev, ino: st.ino };
}

/** Whether `path` still names the file: 'deleted' and 'replaced' mean apps now split. */
export type PathState = 'same' | 'deleted' | 'replaced';

/** As session-core judges it: a stat error other than ENOENT is no evidence of a change. */
export function pathState(path: string, identity: FileIdentity): PathState {
  try {
    const st = statSync(path);
    return st.dev === identity.dev && st.ino === identity.ino ? 'same' : 'replaced';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'deleted' : 'same';
  }
}
