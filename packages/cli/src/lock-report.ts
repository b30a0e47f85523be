import type { FastMmapCache, HeldLock } from '@fastmmap/session-core/cache';
import { frozenCgroup } from './cgroup-freeze.js';
import { fileUsers } from './file-users.js';
import { heldThroughout } from './lock-sampling.js';
import { processOfThread } from './proc-process.js';

export type ProcessStatus =
  | 'stopped'
  | 'traced'
  | 'frozen'
  | 'running'
  | 'sleeping'
  | 'disk-wait'
  | 'exited'
  | 'other';

/** A process that holds (or may hold) a page lock, as this machine's /proc shows it. */
export interface LockProcess {
  pid: number;
  name: string;
  /** Its state letter in /proc (T stopped, t stopped by a debugger, R, S, D...). */
  state: string;
  status: ProcessStatus;
  /** Whether it has the cache file open for writing; null when that cannot be told. */
  usesFile: boolean | null;
  /** For a frozen one: the command that thaws its cgroup. */
  thaw?: string;
}

/** A page lock kept past every look (see heldThroughout), and who keeps it. */
export interface HeldLockReport {
  stripe: number;
  /** How many pages it locks (page p is locked by stripe p mod lockStripes). */
  pages: number;
  /** The holder's thread id, from the mutex (numbered in the holder's PID namespace). */
  threadId: number;
  /** How long it was seen held by that thread with no write to its pages, in ms. */
  heldForMs: number;
  /** The holder, when that thread id names a process here that uses the file. */
  holder: LockProcess | null;
  /**
   * Why holder is null: no thread has that id here, or the one that has it does not use the
   * file: either way the holder runs in another PID namespace (a container), or is gone.
   */
  unresolved: 'no-such-thread' | 'not-a-user' | null;
  /** With no holder: the file's users here that are stopped, traced or frozen. */
  suspects: LockProcess[];
  /**
   * Whether a process that cannot let go keeps it: the holder is stopped, traced or frozen, or
   * (unresolved) such a user of the file is here. A running or sleeping holder may be a busy
   * one taking the lock back to back, or a thread id of another PID namespace that names an
   * unrelated process here: it is reported, but not as a stuck lock (verify does not fail).
   */
  stuck: boolean;
}

/** Held this long by a stopped, traced or frozen process: it cannot let go by itself. */
const STOPPED_WINDOW = { minMs: 50, minLooks: 10, maxMs: 1_000 };
/** A running holder may be a busy one the scheduler set aside: watched 200 ms more (250 in all). */
const RUNNING_WINDOW = { minMs: 200, minLooks: 40, maxMs: 2_000 };
const CANNOT_LET_GO: ReadonlySet<ProcessStatus> = new Set(['stopped', 'traced', 'frozen']);

/**
 * The page locks of `cache` that stay held, and by whom. A lock is held for microseconds, so
 * one kept through every look of the window, with no write through it, is stalling the apps
 * (their writes to its pages wait up to lockTimeout, then fail): healthy busy files report
 * nothing. A quiet file costs one look; a held lock up to 50 ms, or 250 ms when its holder runs.
 */
export async function heldLockReports(
  cache: FastMmapCache<Uint8Array>,
  path: string,
  proc = '/proc',
): Promise<HeldLockReport[]> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const first = await heldThroughout(cache, STOPPED_WINDOW);
  if (first.length === 0) return [];
  const users = fileUsers(path, proc);
  const firstMs = elapsed();
  const reports = first.map((lock) => reportOf(lock, users, firstMs, proc));
  const stuck = reports.filter(cannotLetGo);
  const running = first.filter((_, i) => !cannotLetGo(reports[i]!));
  if (running.length === 0) return stuck;
  const kept = new Set(await heldThroughout(cache, RUNNING_WINDOW, running));
  const keptMs = elapsed();
  const stillHeld = reports
    .filter((report, i) => !cannotLetGo(report) && kept.has(first[i]!))
    .map((report) => ({ ...report, heldForMs: keptMs }));
  return [...stuck, ...stillHeld].sort((a, b) => a.stripe - b.stripe);
}

const cannotLetGo = (report: HeldLockReport) =>
  report.holder !== null && CANNOT_LET_GO.has(report.holder.status);

function reportOf(
  lock: HeldLock,
  users: Set<number> | null,
  heldForMs: number,
  proc: string,
): HeldLockReport {
  const base = { stripe: lock.stripe, pages: lock.pages, threadId: lock.threadId, heldForMs };
  const found = processOfThread(lock.threadId, proc);
  const usesFile = found === null || users === null ? null : users.has(found.pid);
  if (found !== null && usesFile !== false) {
    const holder = describe(found, usesFile, proc);
    const stuck = CANNOT_LET_GO.has(holder.status);
    return { ...base, holder, unresolved: null, suspects: [], stuck };
  }
  // The id names nothing here, or a process that does not use the file (never to be signalled):
  // the holder's PID namespace is another one. Its stopped or frozen users are the likely holder.
  const suspects: LockProcess[] = [];
  for (const pid of users ?? []) {
    const user = processOfThread(pid, proc);
    if (user === null) continue;
    const described = describe(user, true, proc);
    if (CANNOT_LET_GO.has(described.status)) suspects.push(described);
  }
  return {
    ...base,
    holder: null,
    unresolved: found === null ? 'no-such-thread' : 'not-a-user',
    suspects,
    stuck: suspects.length > 0,
  };
}

function describe(
  found: { pid: number; name: string; state: string },
  usesFile: boolean | null,
  proc: string,
): LockProcess {
  const frozen = frozenCgroup(found.pid, proc);
  const status: ProcessStatus = frozen ? 'frozen' : (STATES[found.state] ?? 'other');
  return { ...found, status, usesFile, ...(frozen ? { thaw: frozen.thaw } : {}) };
}

const STATES: Record<string, ProcessStatus> = {
  T: 'stopped',
  t: 'traced',
  R: 'running',
  S: 'sleeping',
  I: 'sleeping',
  D: 'disk-wait',
  Z: 'exited',
  X: 'exited',
};
