import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rawRequest } from '@fastmmap/adapter-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixture = join(import.meta.dirname, 'fixtures', 'cluster-app.mjs');

/** A POST on a fresh connection, so the cluster primary hands each to a worker in turn. */
async function post(
  url: string,
  cookie?: string,
): Promise<{ body: { pid: number; count: number }; setCookie?: string }> {
  const reply = await rawRequest(url, { method: 'POST', ...(cookie ? { cookie } : {}) });
  if (reply.status !== 200) throw new Error(`${reply.status}: ${reply.text}`);
  return {
    body: JSON.parse(reply.text),
    ...(reply.setCookie === undefined ? {} : { setCookie: reply.setCookie }),
  };
}

describe('two cluster workers share one session through a FastMmapStore file', () => {
  let dir: string;
  let primary: ChildProcess;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fastmmap-cluster-'));
    primary = spawn(process.execPath, [fixture, join(dir, 'sessions.fmcache')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: primary.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      primary.once('exit', (code) => reject(new Error(`cluster exited early (${code})`)));
    });
    url = `http://127.0.0.1:${JSON.parse(first).port}`;
  });

  afterAll(async () => {
    if (primary.exitCode === null) {
      const exited = new Promise((resolve) => primary.once('exit', resolve));
      primary.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('requests of one client spread over both workers see one counter', async () => {
    const first = await post(`${url}/count`);
    expect(first.body.count).toBe(1);
    const cookie = first.setCookie!;
    expect(cookie).toMatch(/^fmsid=/);
    const pids = new Set([first.body.pid]);
    const requests = 20;
    for (let i = 2; i <= requests; i++) {
      const { body } = await post(`${url}/count`, cookie);
      // Each worker sees the write the other one made on the previous request.
      expect(body.count).toBe(i);
      pids.add(body.pid);
    }
    expect(pids.size).toBe(2);
    expect(pids.has(primary.pid!)).toBe(false);
  });
});
