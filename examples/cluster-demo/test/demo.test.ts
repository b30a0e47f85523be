import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const main = join(import.meta.dirname, '..', 'main.js');

function runDemo(env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main], {
      // PORT=0: any free port, so the test never collides with a running app.
      env: { ...process.env, PORT: '0', DEMO_EXIT_AFTER_SELF_TEST: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
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

  it('refuses a short SESSION_SECRET in one line, before forking any worker', async () => {
    const { code, out } = await runDemo({ SESSION_SECRET: 'short' });
    expect(code).toBe(1);
    // Just the library's reason, no stack trace, no worker output.
    expect(out).toMatch(/^SESSION_SECRET is not usable: [^\n]*at least 32 characters\n$/);
  });
});
