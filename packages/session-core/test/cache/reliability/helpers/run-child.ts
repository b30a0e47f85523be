// Runs child processes under a watchdog and classifies how they ended. Every child is the leader
// of its own process group, so the watchdog can SIGKILL it together with anything it spawned.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Signals (and the shell's 128+n exit codes) that mean the child crashed. */
const CRASH_SIGNALS = new Set(['SIGBUS', 'SIGSEGV', 'SIGABRT', 'SIGILL', 'SIGFPE']);
const CRASH_EXIT_CODES = new Map([
  [132, 'SIGILL'],
  [134, 'SIGABRT'],
  [135, 'SIGBUS'],
  [136, 'SIGFPE'],
  [139, 'SIGSEGV'],
]);

export type Outcome =
  | 'ok' // exit code 0
  | 'failed' // non-zero exit code (an uncaught error, an assertion in the child)
  | 'crash' // SIGBUS/SIGSEGV/SIGABRT/...: never acceptable
  | 'killed' // SIGKILL: fine only when the test (or a crash point) sent it
  | 'hang'; // the watchdog fired

export interface ChildResult {
  outcome: Outcome;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** For 'crash': the signal name, also when it arrived as a shell exit code. */
  crashSignal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ChildOptions {
  env?: Record<string, string | undefined>;
  /** The watchdog: after this long the process group is SIGKILLed and the outcome is 'hang'. */
  timeoutMs: number;
  /** Written to stdin, which is then left open (children may wait for more lines). */
  input?: string;
  cwd?: string;
}

export interface RunningChild {
  readonly pid: number;
  readonly process: ChildProcess;
  readonly result: Promise<ChildResult>;
  /** Resolves with the first stdout line that satisfies the predicate. */
  waitForLine(predicate: (line: string) => boolean): Promise<string>;
  send(line: string): void;
  /** SIGKILLs the whole process group (the test's own kill, not a crash). */
  kill(): void;
}

function classify(code: number | null, signal: NodeJS.Signals | null, hung: boolean) {
  if (hung) return { outcome: 'hang' as const };
  if (signal !== null) {
    if (CRASH_SIGNALS.has(signal)) return { outcome: 'crash' as const, crashSignal: signal };
    if (signal === 'SIGKILL') return { outcome: 'killed' as const };
    return { outcome: 'failed' as const };
  }
  const shellSignal = code === null ? undefined : CRASH_EXIT_CODES.get(code);
  if (shellSignal !== undefined) return { outcome: 'crash' as const, crashSignal: shellSignal };
  if (code === 137) return { outcome: 'killed' as const };
  return { outcome: code === 0 ? ('ok' as const) : ('failed' as const) };
}

/** Starts `command args` (e.g. `process.execPath script.mjs ...`) under a watchdog. */
export function startCommand(command: string, args: string[], options: ChildOptions): RunningChild {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  let stdout = '';
  let stderr = '';
  let pendingLine = '';
  const lineWaiters: { predicate: (line: string) => boolean; resolve: (l: string) => void }[] = [];
  const seenLines: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const parts = (pendingLine + chunk).split('\n');
    pendingLine = parts.pop() ?? '';
    for (const line of parts) {
      seenLines.push(line);
      for (let i = lineWaiters.length - 1; i >= 0; i--) {
        const w = lineWaiters[i]!;
        if (w.predicate(line)) {
          lineWaiters.splice(i, 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // A child that exits before reading its stdin must not crash the test with EPIPE.
  child.stdin.on('error', () => {});
  if (options.input !== undefined) child.stdin.write(options.input);

  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let hung = false;
  const watchdog = setTimeout(() => {
    hung = true;
    killGroup();
  }, options.timeoutMs);

  const result = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      const c = classify(code, signal, hung);
      resolve({
        ...c,
        code,
        signal,
        stdout,
        stderr,
        durationMs: performance.now() - started,
      });
    });
  });

  return {
    pid,
    process: child,
    result,
    waitForLine(predicate) {
      const seen = seenLines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        lineWaiters.push({ predicate, resolve });
        // Fail fast instead of waiting for the watchdog when the child is gone.
        void result.then((r) =>
          reject(new Error(`child ended (${describeResult(r)}) before the expected line`)),
        );
      });
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    kill: killGroup,
  };
}

/** Starts one of the fixture scripts with the current Node binary. */
export function startFixture(script: string, args: string[], options: ChildOptions): RunningChild {
  return startCommand(process.execPath, [join(FIXTURES, script), ...args], options);
}

export function runFixture(script: string, args: string[], options: ChildOptions) {
  return startFixture(script, args, options).result;
}

export function describeResult(r: ChildResult): string {
  const how =
    r.outcome === 'crash'
      ? `CRASH ${r.crashSignal}`
      : r.outcome === 'hang'
        ? 'HANG (watchdog SIGKILLed the process group)'
        : `${r.outcome} code=${r.code} signal=${r.signal}`;
  return `${how} after ${Math.round(r.durationMs)} ms\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `...${text.slice(-max)}` : text;
}

/** Throws with the child's output unless it exited 0. */
export function expectOk(r: ChildResult, what: string): ChildResult {
  if (r.outcome !== 'ok') throw new Error(`${what}: ${describeResult(r)}`);
  return r;
}

/** The JSON objects a child printed, one per line starting with '{'. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}
