import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastMmapCache } from '@fastmmap/session-core/cache';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leftoverTempDirs, tempDir } from './helpers/fixtures.js';
import { freezeProcess } from './helpers/freeze.js';
import { runCli, spawnCli } from './helpers/run-cli.js';

// An operations trial: a worker paused (kill -STOP, docker pause, a debugger) inside a page
// lock stalled every other worker, and stats and verify both said "ok". They now name the
// holder, its state and what to do; a busy healthy file must never look like that.

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const holderScript = fixture('lock-holder.mjs');
const busyScript = fixture('busy-writer.mjs');

let dir: string;
let path: string;
const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
beforeEach(() => {
  dir = tempDir();
  path = join(dir, 'sessions.fmcache');
  const cache = FastMmapCache.open({ path, pageSize: 4096, numPages: 3, lockStripes: 3 });
  cache.set('k', { user: 'ada' }, { ttl: 0 });
  cache.close();
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await exited(child);
  }
  for (const cleanup of cleanups.splice(0)) cleanup();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(() => expect(leftoverTempDirs()).toEqual([]));

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** Runs `command` and resolves once it printed its first line ("inside", "busy"). */
function start(command: string[]): Promise<ChildProcess> {
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${code}`)));
  });
}

/** A real process inside getAndSet('k'), holding that page's lock. */
const holdLock = (prefix: string[] = []) =>
  start([...prefix, process.execPath, holderScript, path, '60000']);

/** What `fastmmap watch` printed by the time `enough(text)` holds. */
async function watchUntil(args: string[], enough: (text: string) => boolean): Promise<string> {
  const child = spawnCli(['watch', path, '--interval', '100', ...args]);
  children.push(child);
  let text = '';
  child.stdout!.setEncoding('utf8');
  for await (const chunk of child.stdout!) {
    text += chunk;
    if (enough(text)) break;
  }
  child.kill('SIGINT');
  await exited(child);
  return text;
}

async function verifyJson() {
  const { code, stdout } = await runCli(['verify', path, '--json']);
  return { code, out: JSON.parse(stdout) };
}

describe('a page lock kept by a stopped process', () => {
  it('stats and verify name the holder, its state and what to do; verify exits 7', async () => {
    const holder = await holdLock();
    const pid = holder.pid!;
    holder.kill('SIGSTOP'); // as a debugger or kill -STOP leaves it
    const started = performance.now();
    const verify = await verifyJson();
    // Quick (a short sample, not the apps' lockTimeout), and not "ok".
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(verify.code).toBe(7);
    expect(verify.out).toMatchObject({ ok: false, badRecords: 0, badPages: 0 });
    expect(verify.out.heldLocks).toHaveLength(1);
    const [lock] = verify.out.heldLocks;
    expect(lock).toMatchObject({
      pages: 1,
      threadId: pid, // a main thread's id is its pid
      holder: { pid, name: 'node', state: 'T', status: 'stopped', usesFile: true },
      unresolved: null,
      suspects: [],
      stuck: true,
    });
    expect(lock.heldForMs).toBeGreaterThanOrEqual(40);

    const human = await runCli(['verify', path]);
    expect(human.code).toBe(7);
    expect(human.stdout).toMatch(/^PROBLEMS FOUND: .* 0 bad pages, 1 held locks$/m);
    expect(human.stdout).toContain(`lock stripe ${lock.stripe} (1 of 3 pages) has been held for`);
    expect(human.stdout).toContain(`by pid ${pid} (node), which is stopped (T`);
    expect(human.stdout).toContain(`not granted`);
    expect(human.stdout).toContain(`Resume it: kill -CONT ${pid}. Or end it: kill -KILL ${pid}`);

    const stats = JSON.parse((await runCli(['stats', path, '--json'])).stdout);
    expect(stats.heldLocks).toEqual([{ ...lock, heldForMs: expect.any(Number) }]);
    const statsHuman = await runCli(['stats', path]);
    expect(statsHuman.code).toBe(0); // stats reports; verify is the check with an exit code
    expect(statsHuman.stdout).toMatch(
      new RegExp(
        `^! lock stripe ${lock.stripe} .* by pid ${pid} \\(node\\), which is stopped`,
        'm',
      ),
    );
    expect(statsHuman.stdout).toContain(`kill -CONT ${pid}`);

    // watch names it too, in every frame (JSON lines here; the human frame as stats does).
    const lines = (await watchUntil(['--json'], (t) => t.split('\n').length > 2)).split('\n');
    for (const line of lines.slice(0, 2)) {
      expect(JSON.parse(line).stats.heldLocks).toEqual([
        { ...lock, heldForMs: expect.any(Number) },
      ]);
    }
    // Two human frames (each starts with the title line): the first is whole.
    const frames = (await watchUntil([], (t) => t.split('fastmmap watch').length > 2)).split(
      'fastmmap watch',
    );
    expect(frames[1]).toMatch(new RegExp(`^! lock stripe ${lock.stripe} .* by pid ${pid} `, 'm'));

    // Ended, the kernel frees its lock: nothing is held any more.
    holder.kill('SIGKILL');
    await exited(holder);
    const after = await verifyJson();
    expect(after.code).toBe(0);
    expect(after.out).toMatchObject({ ok: true, heldLocks: [] });
    expect((await runCli(['verify', path])).stdout).toMatch(/^ok: .* 0 bad pages$/m);
  });

  it('held by a process that is not stopped: reported, but not failed, and no bare kill advice', async () => {
    // Asleep inside getAndSet: as a busy worker taking the lock back to back looks to a
    // sampler, or (another container's id) a healthy process here that the id happens to name.
    const holder = await holdLock();
    const pid = holder.pid!;
    const { code, out } = await verifyJson();
    expect(code).toBe(0);
    expect(out.ok).toBe(true);
    expect(out.heldLocks).toEqual([
      expect.objectContaining({
        holder: expect.objectContaining({ pid, status: 'sleeping' }),
        stuck: false,
      }),
    ]);
    const { code: humanCode, stdout } = await runCli(['verify', path]);
    expect(humanCode).toBe(0);
    expect(stdout).toMatch(/^ok: /m);
    expect(stdout).toContain("run fastmmap inside the apps' container to be sure");
    expect(stdout).toContain(`If it stays held across several runs and pid ${pid} is the holder`);
  });

  it('in another PID namespace (a container): its thread id is not taken for a pid here', async () => {
    // unshare: the holder's main thread is 1 in its namespace; 1 here is another process.
    const unshare = await holdLock(['unshare', '--pid', '--fork', '--kill-child']);
    const node = childrenOf(unshare.pid!)[0]!;
    process.kill(node, 'SIGSTOP');
    try {
      const { code, out } = await verifyJson();
      expect(code).toBe(7);
      expect(out.heldLocks).toHaveLength(1);
      expect(out.heldLocks[0]).toMatchObject({
        threadId: 1,
        holder: null,
        unresolved: 'not-a-user',
        // The file's users here (their flocks in /proc/locks) that cannot let go.
        suspects: [{ pid: node, status: 'stopped', usesFile: true }],
        stuck: true,
      });
      const { stdout } = await runCli(['verify', path]);
      expect(stdout).toContain('by thread 1 of another PID namespace');
      expect(stdout).toContain('do not signal it');
      expect(stdout).toContain(`pid ${node} (node, stopped: T)`);
      expect(stdout).not.toMatch(/kill -\w+ 1\b/);
    } finally {
      process.kill(node, 'SIGKILL');
    }
  });

  it('frozen with its cgroup (docker pause): says so and how to thaw it', async () => {
    const holder = await holdLock();
    const frozen = freezeProcess(holder.pid!);
    // Like the tests that chown to nobody, this one needs root: it fails rather than skip.
    if (frozen === null) throw new Error('this test needs a writable cgroup freezer (root)');
    cleanups.push(() => frozen!.remove());
    try {
      const { code, out } = await verifyJson();
      expect(code).toBe(7);
      expect(out.heldLocks[0].holder).toMatchObject({
        pid: holder.pid,
        status: 'frozen',
        thaw: expect.stringMatching(
          /^echo (0|THAWED) > \/.*fastmmap-test-\d+\/(cgroup\.freeze|freezer\.state)$/,
        ),
      });
      const { stdout } = await runCli(['verify', path]);
      expect(stdout).toContain('which is frozen with its cgroup');
      expect(stdout).toContain('Thaw it: docker unpause, or echo ');
    } finally {
      holder.kill('SIGKILL'); // queued until thawed on cgroup v1: remove() thaws
      frozen!.remove();
      cleanups.pop();
    }
  });
});

describe('a busy, healthy file', () => {
  it.each([
    ['writes back to back', 'set'],
    ['locks without writing (deletes of missing keys)', 'delete'],
  ])('is never reported while a worker %s', async (_, mode) => {
    // Two stripes over 32 pages: each lock is busy, each page only now and then (a page written
    // back to back keeps lock-free readers retrying, which makes the CLI slow, not wrong).
    path = join(dir, 'busy.fmcache');
    FastMmapCache.open({ path, pageSize: 4096, numPages: 32, lockStripes: 2 }).close();
    const busy = await start([process.execPath, busyScript, path, mode, '60000']);
    // The lock is held much of the time: two looks at it often find one holder, so a check
    // of that alone would raise false alarms.
    const reader = FastMmapCache.open({ path, readOnly: true, adoptGeometry: true });
    let looks = 0;
    let heldLooks = 0;
    for (const end = performance.now() + 300; performance.now() < end; looks++) {
      if (reader.heldLocks().length > 0) heldLooks++;
    }
    reader.close();
    expect(heldLooks / looks).toBeGreaterThan(0.05);
    for (let run = 0; run < 4; run++) {
      const [verify, stats] = await Promise.all([
        verifyJson(),
        runCli(['stats', path, '--json']).then((r) => JSON.parse(r.stdout)),
      ]);
      expect(verify.out.heldLocks).toEqual([]);
      expect(verify.code).toBe(0);
      expect(stats.heldLocks).toEqual([]);
    }
    expect(busy.exitCode).toBeNull(); // still busy all along
  });
});

/** The pids whose parent is `pid` (the node process under unshare). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (status.match(/^PPid:\s*(\d+)$/m)?.[1] === String(pid)) found.push(Number(entry));
    } catch {}
  }
  return found;
}
