import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { cgroupMounts } from '../../src/cgroup-freeze.js';

/** A process frozen with a cgroup of its own, as `docker pause` freezes a container. */
export interface FrozenProcess {
  /** Thaws it and removes the cgroup once the process has ended (call after killing it). */
  remove(): void;
}

/**
 * Moves `pid` into a new cgroup and freezes it: cgroup v2's cgroup.freeze, or else the v1
 * freezer. Null where this machine does not let the test do it (no writable cgroup fs).
 */
export function freezeProcess(pid: number): FrozenProcess | null {
  const mounts = cgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  for (const kind of ['cgroup2', 'freezer'] as const) {
    const mount = (kind === 'cgroup2' ? mounts.v2 : mounts.freezer)?.mountPoint;
    if (mount === undefined) continue;
    const dir = `${mount}/fastmmap-test-${pid}`;
    const [control, frozen, thawed] =
      kind === 'cgroup2' ? ['cgroup.freeze', '1', '0'] : ['freezer.state', 'FROZEN', 'THAWED'];
    try {
      mkdirSync(dir);
    } catch {
      continue;
    }
    try {
      writeFileSync(`${dir}/cgroup.procs`, String(pid));
      writeFileSync(`${dir}/${control}`, frozen);
      // Freezing takes a moment: wait until the cgroup says it is done.
      const [file, done] =
        kind === 'cgroup2' ? ['cgroup.events', /^frozen 1$/m] : ['freezer.state', /^FROZEN$/m];
      for (let tries = 0; !done.test(readFileSync(`${dir}/${file}`, 'utf8')); tries++) {
        if (tries > 200) throw new Error(`${dir} did not freeze`);
        sleepMs(10);
      }
    } catch {
      // Not allowed here: leave the cgroup as it was found, as far as can be.
      for (const undo of [() => writeFileSync(`${dir}/${control}`, thawed), () => rmdirSync(dir)]) {
        try {
          undo();
        } catch {}
      }
      continue;
    }
    return {
      remove() {
        writeFileSync(`${dir}/${control}`, thawed);
        removeWhenEmpty(dir);
      },
    };
  }
  return null;
}

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** rmdir fails with EBUSY while a process is in the cgroup: it must have ended first. */
function removeWhenEmpty(dir: string): void {
  for (let tries = 0; ; tries++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if (tries > 300) throw err;
      sleepMs(10);
    }
  }
}
