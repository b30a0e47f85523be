import { formatCount, safeText } from './format.js';
import type { HeldLockReport, LockProcess } from './lock-report.js';

const KILL_NOTE = 'the kernel frees its lock and the next writer repairs what it left half-done';

/**
 * What a held page lock does to the apps and what to do about it, in lines for a terminal:
 * resume a stopped holder or end it; for one this machine cannot name, where to look.
 */
export function heldLockLines(report: HeldLockReport, numPages: number): string[] {
  const what = `lock stripe ${report.stripe} (${formatCount(report.pages)} of ${formatCount(numPages)} pages)`;
  const effect = `apps that write to its pages wait up to their lockTimeout, then fail ("lock stripe ${report.stripe} not granted")`;
  const holder = report.holder;
  if (holder !== null) {
    return [
      `! ${what} has been held for ${report.heldForMs} ms by pid ${holder.pid} (${safeText(holder.name)}), ${stateText(holder)}: ${effect}.`,
      `  ${holderAdvice(holder)}${holder.usesFile === null ? ' (Whether it has this file open could not be checked.)' : ''}`,
    ];
  }
  const where =
    report.unresolved === 'not-a-user'
      ? `thread ${report.threadId} of another PID namespace (here ${report.threadId} is a process that does not use this file: do not signal it)`
      : `thread ${report.threadId}, which no process here has (another PID namespace, such as a container sharing the file; /proc hiding other users' processes; or a holder gone without the kernel freeing it, as at a reboot for a file on disk)`;
  const lines = [
    `! ${what} has been held for ${report.heldForMs} ms by ${where}: ${effect}.`,
    '  Run fastmmap in the PID namespace of the apps (inside their container) to name the holder.',
  ];
  if (report.suspects.length > 0) {
    const list = report.suspects.map(
      (p) => `pid ${p.pid} (${safeText(p.name)}, ${p.status}: ${p.state})`,
    );
    lines.push(
      `  Users of this file here that cannot let go: ${list.join(', ')}. One of them likely holds it: resume it (kill -CONT, or thaw its cgroup) or end it (kill -KILL).`,
    );
  }
  return lines;
}

function stateText(p: LockProcess): string {
  switch (p.status) {
    case 'stopped':
      return `which is stopped (${p.state}: SIGSTOP, Ctrl-Z)`;
    case 'traced':
      return `which a debugger has stopped (${p.state})`;
    case 'frozen':
      return `which is frozen with its cgroup (${p.state}: docker pause, systemd freeze)`;
    case 'running':
      return `which is running (${p.state})`;
    case 'sleeping':
      return `which is sleeping (${p.state})`;
    case 'disk-wait':
      return `which is waiting for I/O (${p.state})`;
    case 'exited':
      return `which has exited (${p.state})`;
    default:
      return `in state ${p.state}`;
  }
}

function holderAdvice(p: LockProcess): string {
  const kill = `kill -KILL ${p.pid} (${KILL_NOTE})`;
  switch (p.status) {
    case 'stopped':
      return `Resume it: kill -CONT ${p.pid}. Or end it: ${kill}.`;
    case 'traced':
      return `Continue it in the debugger, or detach the debugger. Or end it: ${kill}.`;
    case 'frozen':
      return `Thaw it: docker unpause, or ${p.thaw ?? 'thaw its cgroup'}. Or end it: ${kill}; with the cgroup v1 freezer, it dies once thawed.`;
    default:
      // Not proven stuck: a busy process takes a lock back to back, and a holder in another
      // PID namespace (a container) may have an id that is an unrelated process here.
      return `A lock is held for microseconds: a process this busy may take it back to back, or be stuck inside the cache (a getAndSet callback that does not return?). If the apps run in containers, the holder's thread id may be another PID namespace's, naming an unrelated process here: run fastmmap inside the apps' container to be sure. If it stays held across several runs and pid ${p.pid} is the holder, end it: ${kill}.`;
  }
}
