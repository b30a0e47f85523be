import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built bin, run exactly as `npx fastmmap` runs it. */
export const binPath = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// NO_COLOR keeps the output plain even if a developer forces colours in their shell.
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, FASTMMAP_DEBUG: undefined };

/** `as` runs the CLI as another user (the tests must then run as root). */
export function runCli(args: string[], as?: { uid: number; gid: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [binPath, ...args],
      { env, timeout: 20_000, ...as },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [binPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * `copy` that stops between making its new file and filling it, until a line arrives on its
 * stdin (a test hook of copy-cache.ts).
 */
export function spawnPausedCopy(args: string[]): ChildProcess {
  return spawn(process.execPath, [binPath, 'copy', ...args], {
    env: { ...env, FASTMMAP_TEST_HOOKS: '1', FASTMMAP_TEST_COPY_PAUSE: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A stack trace line, as Node prints them: nothing the CLI prints may contain one. */
export const stackLine = /^\s+at .+:\d+:\d+\)?$/m;
