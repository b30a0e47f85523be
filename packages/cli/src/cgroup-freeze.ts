import { readProc } from './proc-process.js';

/** A frozen cgroup (docker pause, systemd freeze): where it is and how to thaw it. */
export interface Frozen {
  thaw: string;
}

export interface CgroupMount {
  root: string;
  mountPoint: string;
}

/**
 * Whether process `pid` is frozen with its cgroup: cgroup v2's cgroup.events says `frozen 1`,
 * v1's freezer.state FROZEN or FREEZING. Its state letter alone does not tell (S or D), and
 * SIGCONT does not thaw it. Best effort: null when not frozen or the cgroup cannot be read.
 */
export function frozenCgroup(pid: number, proc = '/proc'): Frozen | null {
  const cgroups = readProc(`${proc}/${pid}/cgroup`);
  const mountInfo = readProc(`${proc}/self/mountinfo`);
  if (cgroups === null || mountInfo === null) return null;
  const mounts = cgroupMounts(mountInfo);
  for (const line of cgroups.split('\n')) {
    const [, controllers, path] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (path === undefined) continue;
    if (controllers === '' && mounts.v2) {
      const dir = dirOf(mounts.v2, path);
      if (/^frozen 1$/m.test(readProc(`${dir}/cgroup.events`) ?? '')) {
        return { thaw: `echo 0 > ${dir}/cgroup.freeze` };
      }
    } else if (controllers?.split(',').includes('freezer') && mounts.freezer) {
      const dir = dirOf(mounts.freezer, path);
      if (/^(FROZEN|FREEZING)$/m.test(readProc(`${dir}/freezer.state`) ?? '')) {
        return { thaw: `echo THAWED > ${dir}/freezer.state` };
      }
    }
  }
  return null;
}

/** The cgroup v2 mount and the v1 freezer mount, from /proc/self/mountinfo. */
export function cgroupMounts(mountInfo: string): { v2?: CgroupMount; freezer?: CgroupMount } {
  const found: { v2?: CgroupMount; freezer?: CgroupMount } = {};
  for (const line of mountInfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const [, , , root, mountPoint] = left.split(' ');
    const [type, , options = ''] = right.split(' ');
    if (root === undefined || mountPoint === undefined) continue;
    const mount = { root: unescapeOctal(root), mountPoint: unescapeOctal(mountPoint) };
    if (type === 'cgroup2') found.v2 ??= mount;
    else if (type === 'cgroup' && options.split(',').includes('freezer')) found.freezer ??= mount;
  }
  return found;
}

/** The directory of cgroup `path` (as /proc/<pid>/cgroup names it) under its mount. */
function dirOf(mount: CgroupMount, path: string): string {
  const inMount =
    mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  return `${mount.mountPoint}${inMount === '/' ? '' : inMount}`;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}
