import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frozenCgroup } from '../src/cgroup-freeze.js';
import { fileUsers } from '../src/file-users.js';
import { heldLockLines } from '../src/lock-advice.js';
import type { HeldLockReport, LockProcess } from '../src/lock-report.js';
import { processOfThread } from '../src/proc-process.js';
import { leftoverTempDirs, tempDir } from './helpers/fixtures.js';

// What /proc says about a lock holder, read from a made-up /proc: the cases a test machine
// cannot easily stage (a worker thread, musl, a foreign cgroup layout).

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(() => expect(leftoverTempDirs()).toEqual([]));

function put(path: string, text: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

describe('processOfThread', () => {
  it('maps a thread id to its process (Tgid), named after its main thread', () => {
    put('proc/4711/status', 'Name:\tlibuv-worker\nState:\tT (stopped)\nTgid:\t4700\nPid:\t4711\n');
    put('proc/4700/comm', 'node\n');
    expect(processOfThread(4711, join(dir, 'proc'))).toEqual({
      pid: 4700,
      name: 'node',
      state: 'T',
    });
  });

  it("names a Node 24+ app after its program, not Node's main-thread name", () => {
    put('proc/4700/status', 'Name:\tMainThread\nState:\tT (stopped)\nTgid:\t4700\nPid:\t4700\n');
    put('proc/4700/cmdline', '/usr/local/bin/node\0server.js\0');
    put('proc/4711/status', 'Name:\tlibuv-worker\nState:\tS (sleeping)\nTgid:\t4800\nPid:\t4711\n');
    put('proc/4800/comm', 'node-MainThread\n');
    put('proc/4800/cmdline', 'node\0app.js\0');
    const at = join(dir, 'proc');
    expect(processOfThread(4700, at)).toEqual({ pid: 4700, name: 'node', state: 'T' });
    expect(processOfThread(4711, at)).toEqual({ pid: 4800, name: 'node', state: 'S' });
  });

  it('keeps a title the app set, and the thread name when the command line is gone', () => {
    put('proc/4700/status', 'Name:\tapi-worker\nState:\tS (sleeping)\nTgid:\t4700\nPid:\t4700\n');
    put('proc/4700/cmdline', 'api-worker\0');
    put('proc/4800/status', 'Name:\tMainThread\nState:\tZ (zombie)\nTgid:\t4800\nPid:\t4800\n');
    put('proc/4800/cmdline', '');
    const at = join(dir, 'proc');
    expect(processOfThread(4700, at)?.name).toBe('api-worker');
    expect(processOfThread(4800, at)?.name).toBe('MainThread');
  });

  it('is null for a thread id no process has', () => {
    expect(processOfThread(4711, join(dir, 'proc'))).toBeNull();
  });
});

describe('fileUsers', () => {
  it('lists the pids that hold a flock on the file, from /proc/locks', () => {
    const file = join(dir, 'sessions.fmcache');
    writeFileSync(file, '');
    const { dev, ino } = statSync(file);
    const major = ((dev >>> 8) & 0xfff).toString(16).padStart(2, '0');
    const minor = (dev & 0xff).toString(16).padStart(2, '0');
    put(
      'proc/locks',
      [
        `1: FLOCK  ADVISORY  READ 100 ${major}:${minor}:${ino} 0 EOF`,
        `2: FLOCK  ADVISORY  READ 101 ${major}:${minor}:${ino} 0 EOF`,
        `2: -> FLOCK  ADVISORY  WRITE 102 ${major}:${minor}:${ino} 0 EOF`, // waits: not a user yet
        `3: FLOCK  ADVISORY  READ 103 ${major}:${minor}:${ino + 1} 0 EOF`, // another file
        `4: POSIX  ADVISORY  WRITE 104 ${major}:${minor}:${ino} 0 EOF`, // not the cache's lock
        '',
      ].join('\n'),
    );
    expect(fileUsers(file, join(dir, 'proc'))).toEqual(new Set([100, 101]));
  });

  it('cannot tell (null) without /proc/locks, or when nothing locks the file', () => {
    const file = join(dir, 'sessions.fmcache');
    writeFileSync(file, '');
    expect(fileUsers(file, join(dir, 'proc'))).toBeNull();
    put('proc/locks', '1: FLOCK  ADVISORY  READ 100 00:01:1 0 EOF\n');
    expect(fileUsers(file, join(dir, 'proc'))).toBeNull();
  });
});

describe('frozenCgroup', () => {
  it('finds a frozen cgroup v2 (docker pause) through mountinfo, and how to thaw it', () => {
    const mount = join(dir, 'sys cgroup'); // mountinfo escapes the space
    put(
      'proc/self/mountinfo',
      `30 1 0:26 / ${mount.replace(' ', '\\040')} rw - cgroup2 cgroup2 rw\n`,
    );
    put('proc/42/cgroup', '0::/system.slice/docker-abc.scope\n');
    put('sys cgroup/system.slice/docker-abc.scope/cgroup.events', 'populated 1\nfrozen 1\n');
    expect(frozenCgroup(42, join(dir, 'proc'))).toEqual({
      thaw: `echo 0 > ${mount}/system.slice/docker-abc.scope/cgroup.freeze`,
    });
    put('sys cgroup/system.slice/docker-abc.scope/cgroup.events', 'populated 1\nfrozen 0\n');
    expect(frozenCgroup(42, join(dir, 'proc'))).toBeNull();
  });

  it('finds a cgroup v1 freezer (FROZEN or FREEZING)', () => {
    const mount = join(dir, 'freezer');
    put(
      'proc/self/mountinfo',
      `31 1 0:27 / ${mount} rw - cgroup cgroup rw,freezer\n35 1 0:29 / /x rw - tmpfs tmpfs rw\n`,
    );
    put('proc/42/cgroup', '6:freezer:/docker/abc\n4:memory:/docker/abc\n');
    put('freezer/docker/abc/freezer.state', 'FREEZING\n');
    expect(frozenCgroup(42, join(dir, 'proc'))).toEqual({
      thaw: `echo THAWED > ${mount}/docker/abc/freezer.state`,
    });
  });
});

describe('heldLockLines', () => {
  const report = (holder: LockProcess | null, more: Partial<HeldLockReport> = {}) =>
    heldLockLines(
      {
        stripe: 3,
        pages: 6,
        threadId: 4700,
        heldForMs: 260,
        holder,
        unresolved: holder === null ? 'no-such-thread' : null,
        suspects: [],
        stuck: false,
        ...more,
      },
      89,
    ).join('\n');
  const node = { pid: 4700, name: 'node', usesFile: true } as const;

  // A process names itself (process.title): what the CLI prints of it must not drive a terminal.
  it('prints holder and suspect names with their controls escaped', () => {
    const hostile = {
      ...node,
      name: 'node\u202eevil\u009b31m',
      state: 'T',
      status: 'stopped',
    } as const;
    const text = report(hostile) + report(null, { suspects: [hostile] });
    expect(text).toContain('node\\u202eevil\\u009b31m');
    expect(/[\u009b\u202e]/.test(text)).toBe(false);
  });

  it('says what to do for each state of the holder', () => {
    const traced = report({ ...node, state: 't', status: 'traced' });
    expect(traced).toContain('lock stripe 3 (6 of 89 pages) has been held for 260 ms by pid 4700');
    expect(traced).toContain('which a debugger has stopped (t)');
    expect(traced).toContain('detach the debugger');
    const running = report({ ...node, state: 'R', status: 'running' });
    expect(running).toContain('stuck inside the cache');
    expect(running).toContain('kill -KILL 4700');
    const unchecked = report({ ...node, state: 'T', status: 'stopped', usesFile: null });
    expect(unchecked).toContain('kill -CONT 4700');
    expect(unchecked).toContain('could not be checked');
  });

  it('names no pid for a thread id this machine does not have, but the file’s stopped users', () => {
    const text = report(null, {
      suspects: [{ pid: 5100, name: 'node', state: 'T', status: 'stopped', usesFile: true }],
    });
    expect(text).toContain('by thread 4700, which no process here has');
    expect(text).toContain('pid 5100 (node, stopped: T)');
    expect(text).not.toContain('kill -CONT 4700');
  });
});
