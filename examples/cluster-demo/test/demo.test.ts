import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'main.js');

interface DemoRun {
  code: number | null;
  out: string;
  /** What the primary had open when `whenServing` ran (its /proc/<pid>/fd links). */
  primaryFiles: string[];
}

/**
 * Runs the demo to its end. With `whenServing`, it is left serving (no self-test exit): once it
 * says Ctrl-C stops, the primary's open files are listed and it gets `whenServing`'s signal.
 */
function runDemo(env: NodeJS.ProcessEnv = {}, whenServing?: NodeJS.Signals): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main], {
      // PORT=0: any free port, so the test never collides with a running app.
      env: {
        ...process.env,
        PORT: '0',
        DEMO_EXIT_AFTER_SELF_TEST: whenServing ? '0' : '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let primaryFiles: string[] = [];
    const onOutput = (c: Buffer) => {
      out += c;
      if (whenServing && primaryFiles.length === 0 && out.includes('Ctrl-C stops')) {
        const fds = `/proc/${child.pid}/fd`;
        primaryFiles = readdirSync(fds).map((fd) => readlinkSafe(join(fds, fd)));
        child.kill(whenServing);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, primaryFiles }));
  });
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return ''; // closed meanwhile (the listing's own fd)
  }
}

describe('examples/cluster-demo', () => {
  it('serves one session from two workers and exits cleanly after its self-test', async () => {
    const { code, out } = await runDemo();
    expect(code, out).toBe(0);
    expect(out).toMatch(/at http:\/\/127\.0\.0\.1:\d+/);
    const answers = [
      ...out.matchAll(/request (\d+): worker (\d+) answered, shared visit counter = (\d+)/g),
    ];
    expect(answers).toHaveLength(6);
    for (const [, n, , visits] of answers) expect(visits).toBe(n);
    expect(new Set(answers.map((m) => m[2])).size).toBe(2);
    expect(out).toContain('self-test passed');
  });

  it('serves until Ctrl-C, then stops both workers and exits 0; the primary opens no cache file', async () => {
    const { code, out, primaryFiles } = await runDemo({}, 'SIGINT');
    expect(code, out).toBe(0);
    expect(out).toContain('self-test passed');
    expect(out).toContain('SIGINT: stopping the workers');
    expect(primaryFiles.length).toBeGreaterThan(0);
    // The workers share the cache file and its lock files; the primary only forks them.
    expect(primaryFiles.filter((f) => f.includes('fastmmap'))).toEqual([]);
  });

  it('refuses a short SESSION_SECRET in one line, before forking any worker', async () => {
    const { code, out } = await runDemo({ SESSION_SECRET: 'short' });
    expect(code).toBe(1);
    // Just the library's reason, no stack trace, no worker output.
    expect(out).toMatch(/^SESSION_SECRET is not usable: [^\n]*at least 32 characters\n$/);
  });
});
