import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh private directory per test (mkdtemp creates it 0700). */
export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'fmm-rel-'));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * unshare's option for a private mount namespace: root needs no user namespace (which a chroot
 * refuses); anyone else gets one (-r) to mount in.
 */
export const PRIVATE_MOUNTS = process.geteuid?.() === 0 ? '-m' : '-rm';

/** Whether a private tmpfs can be mounted on `dir` (root, or user namespaces): disk-full tests. */
export function canMountTmpfs(dir: string): boolean {
  const probe = spawnSync(
    'unshare',
    [PRIVATE_MOUNTS, 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs "${dir}"`],
    { encoding: 'utf8' },
  );
  return probe.status === 0;
}

export interface Fingerprint {
  size: number;
  mtimeMs: number;
  mode: number;
  uid: number;
  ino: number;
  sha256: string;
}

/** Everything that must stay the same when the cache refuses a file. Does not follow symlinks. */
export function fingerprint(path: string): Fingerprint {
  const st = lstatSync(path);
  const sha256 = st.isFile()
    ? createHash('sha256').update(readFileSync(path)).digest('hex')
    : st.isSymbolicLink()
      ? 'symlink'
      : 'not-a-file';
  return { size: st.size, mtimeMs: st.mtimeMs, mode: st.mode, uid: st.uid, ino: st.ino, sha256 };
}
