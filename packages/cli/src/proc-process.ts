import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** A process as this machine's /proc shows it. */
export interface ProcProcess {
  pid: number;
  name: string;
  /** The state letter of the thread asked about (R, S, D, T stopped, t traced, Z...). */
  state: string;
}

/**
 * The process of thread `threadId`, or null when no thread has that id here. /proc/<tid>
 * exists for every thread, not only for main threads (it is just not listed), and its status
 * gives the thread's state and its process (Tgid).
 */
export function processOfThread(threadId: number, proc = '/proc'): ProcProcess | null {
  const status = readProc(`${proc}/${threadId}/status`);
  if (status === null) return null;
  const field = (name: string) => status.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1];
  const pid = Number(field('Tgid') ?? threadId);
  const state = field('State')?.charAt(0) ?? '?';
  // The thread's own name may be a worker's: the process's is its main thread's.
  const name =
    pid === threadId
      ? (field('Name') ?? '?')
      : (readProc(`${proc}/${pid}/comm`)?.trim() ?? field('Name') ?? '?');
  return { pid, name: programName(pid, name, proc), state };
}

// What Node 24 (MainThread) and 26 (node-MainThread) name their main thread, unless the app
// sets process.title: every Node app would show as that, which names no program.
const NODE_MAIN_THREAD_NAMES = new Set(['MainThread', 'node-MainThread']);

/** The main thread's name, or for Node's own thread name the program's (argv[0]'s). */
function programName(pid: number, mainThreadName: string, proc: string): string {
  if (!NODE_MAIN_THREAD_NAMES.has(mainThreadName)) return mainThreadName;
  const argv0 = readProc(`${proc}/${pid}/cmdline`)?.split('\0')[0];
  return argv0 ? basename(argv0) : mainThreadName;
}

/** A /proc file's text, or null when it is gone (the process ended) or unreadable. */
export function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
