import { statSync } from 'node:fs';
import { readProc } from './proc-process.js';

/**
 * The processes that have the cache file open for writing, as this PID namespace numbers
 * them: every writer holds a shared flock on the file while open, and /proc/locks lists flock
 * holders by device and inode. Null when that cannot be told (no /proc/locks, or no lock on
 * the file in it, as when the file's inode differs from the one locked, on overlayfs).
 */
export function fileUsers(path: string, proc = '/proc'): Set<number> | null {
  const locks = readProc(`${proc}/locks`);
  if (locks === null) return null;
  let st: { dev: number; ino: number };
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  // /proc/locks writes the device as major:minor in hex (Linux's dev_t encoding).
  const major = ((st.dev >>> 8) & 0xfff) | (Math.floor(st.dev / 2 ** 32) & ~0xfff);
  const minor = (st.dev & 0xff) | ((st.dev >>> 12) & ~0xff);
  const users = new Set<number>();
  for (const line of locks.split('\n')) {
    // "1: FLOCK  ADVISORY  READ 31571 fe:00:2164085 0 EOF"; "1: -> FLOCK ..." waits for one.
    const m = line.match(/^\d+:\s+FLOCK\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/);
    if (m === null) continue;
    const [, pid, maj, min, ino] = m;
    if (
      Number.parseInt(maj!, 16) === major &&
      Number.parseInt(min!, 16) === minor &&
      Number(ino) === st.ino
    ) {
      users.add(Number(pid));
    }
  }
  return users.size > 0 ? users : null;
}
