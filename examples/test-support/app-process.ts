import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface RunningApp {
  url: string;
  /** What the app has written to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts an example's entry script on a free port (PORT=0), with `env` laid over the test's
 * environment, and resolves once it prints `listening on <url>`.
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
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    exited.then((code) => reject(new Error(`the app exited early (${code}): ${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill('SIGTERM');
      return exited;
    },
  };
}
