import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Removes the files in `dir` named `<prefix><pid>...` whose process no longer runs: what a
 * creator killed halfway left (a cache's temp file, the CLI's copy being built). Files of
 * live processes, and of this one, stay. Best effort: an unreadable directory is left for
 * the caller's own open to report.
 */
export function removeDeadProcessesFiles(dir: string, prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // another process removed it first
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
