import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RunningServer {
  url: string;
  /** What the server has written to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts server.js on a free port, with `env` laid over the test's environment. */
export async function startServer(env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'server.js')], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    exited.then((code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return {
    url: /http:\/\/\S+/.exec(line)![0],
    stderr: () => stderr,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A browser-like client: keeps the session cookie, does not follow redirects. */
export function client(url: string) {
  let cookie = '';
  const go = async (
    method: string,
    path: string,
    form?: Record<string, string>,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(url + path, {
      method,
      redirect: 'manual',
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
    });
    const set = res.headers.getSetCookie()[0];
    if (set) cookie = set.startsWith('fmsid=;') ? '' : set.split(';')[0]!;
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };
  return Object.assign(go, { cookie: () => cookie });
}
