import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface RunningApp {
  url: string;
  /** What the app has written to stdout so far. */
  stdout(): string;
  /** What the app has written to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts an example's entry script on a free port (PORT=0), with `env` laid over the test's
 * environment, and resolves once it prints `listening on <url>` (with WORKERS=N, the cluster
 * primary prints it once all N workers listen).
 */
export async function startApp(script: string, env: NodeJS.ProcessEnv = {}): Promise<RunningApp> {
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npx tsc -b\` first`);
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      // A URL ends at a space or comma: `listening on http://127.0.0.1:3000, 2 workers (...)`.
      const match = /listening on (http:\/\/[^\s,]+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    exited.then((code) => reject(new Error(`the app exited early (${code}): ${stderr}`)));
  });
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill('SIGTERM');
      return exited;
    },
  };
}
