import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Ended {
  code: number | null;
  stderr: string;
}

/** Runs `script` to its end (killed after 15 s: a hang must fail the test, not stall it). */
function runToEnd(script: string, env: NodeJS.ProcessEnv): Promise<Ended> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => {
    stderr += '\n(still running after 15 s: killed)';
    child.kill('SIGKILL');
  }, 15_000);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/**
 * An example started on a port something else holds stops with exit code 1 and says why
 * (EADDRINUSE), alone and as a WORKERS=2 cluster, as its README promises.
 */
export function describeBusyPort(name: string, script: string): void {
  describe(`${name} on a busy port`, () => {
    let holder: Server;
    let port: number;
    let dir: string;
    const env = () => ({
      PORT: String(port),
      SESSION_SECRET: 'busy-port-test-secret-0123456789abcdef',
      SESSION_FILE: join(dir, 'sessions.fmcache'),
    });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'busy-port-'));
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      port = (holder.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => holder.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    });

    it('one process exits 1, naming EADDRINUSE', async () => {
      const { code, stderr } = await runToEnd(script, env());
      expect(stderr).toMatch(/EADDRINUSE/);
      expect(stderr).not.toMatch(/TypeError/);
      expect(code).toBe(1);
    });

    it('a WORKERS=2 cluster exits 1, naming EADDRINUSE', async () => {
      const { code, stderr } = await runToEnd(script, { ...env(), WORKERS: '2' });
      expect(stderr).toMatch(/EADDRINUSE/);
      expect(stderr).toMatch(/failed to start/);
      expect(code).toBe(1);
    });
  });
}
