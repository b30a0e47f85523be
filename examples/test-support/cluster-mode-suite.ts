import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningApp, startApp } from './app-process.js';
import { browser } from './browser.js';

type Browser = ReturnType<typeof browser>;
/** One counted visit: the session's count after it, and the pids of the workers that answered. */
export type Visit = (go: Browser) => Promise<{ count: number; pids: number[] }>;

// A new connection per request: node:cluster hands each connection to the next worker in turn,
// where a kept-alive one would stay with the worker that took it.
const fresh = { connection: 'close' };

/** Express and Koa: POST /count, then GET /api/me; each response names its worker in a header. */
export const visitCountApi: Visit = async (go) => {
  const post = await go('POST', '/count', undefined, fresh);
  const me = await go('GET', '/api/me', undefined, fresh);
  const pids = [post, me].map((page) => Number(page.headers.get('x-worker-pid')));
  return { count: JSON.parse(me.text).count, pids };
};

/** Fastify and Hono: GET / counts the visit, and the page shows the pid that rendered it. */
export const visitCounterPage: Visit = async (go) => {
  const { text } = await go('GET', '/', undefined, fresh);
  const [, count, pid] = /viewed this page <strong>(\d+)<\/strong> times \(pid (\d+)\)/.exec(text)!;
  return { count: Number(count), pids: [Number(pid)] };
};

/** The worker pids the primary printed once all workers listened. */
function listedPids(app: RunningApp): number[] {
  const listed = /\(pids (\d+), (\d+)\)/.exec(app.stdout());
  expect(listed, `no "(pids a, b)" in: ${app.stdout()}`).not.toBeNull();
  return listed!.slice(1).map(Number);
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * WORKERS=2 of an example (`script`), with no SESSION_SECRET, so the workers share sessions only
 * if the primary picked one secret for them all. Its own session file, under a temp dir.
 */
export function describeClusterMode(name: string, script: string, visit: Visit): void {
  let dir: string;
  const start = (env: NodeJS.ProcessEnv = {}) =>
    startApp(script, {
      WORKERS: '2',
      SESSION_SECRET: undefined,
      // Express and Koa keep the default file, under os.tmpdir(); Fastify and Hono take this.
      TMPDIR: dir,
      SESSION_FILE: join(dir, 'sessions.fmcache'),
      ...env,
    });

  /** Visits with one cookie until `enough` (the pids seen so far) holds; the count must go on. */
  async function visitUntil(go: Browser, from: number, enough: (seen: Set<number>) => boolean) {
    const seen = new Set<number>();
    for (let count = from; !enough(seen); count++) {
      if (count > from + 10) throw new Error(`only workers ${[...seen]} answered`);
      const visited = await visit(go);
      expect(visited.count, `visit ${count}, workers ${visited.pids}`).toBe(count);
      for (const pid of visited.pids) seen.add(pid);
    }
    return seen;
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fastmmap-cluster-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe(`${name} with WORKERS=2`, () => {
    it('two workers serve one session with the secret the primary picked; SIGTERM stops all', async () => {
      const app = await start();
      try {
        const listed = listedPids(app);
        expect(new Set(listed).size).toBe(2);
        expect(app.stderr().match(/SESSION_SECRET is not set/g)).toHaveLength(1);

        const seen = await visitUntil(browser(app.url), 1, (pids) => pids.size === 2);
        expect([...seen].sort()).toEqual([...listed].sort());
        expect(await app.stop()).toBe(0);
        expect(listed.filter(isAlive)).toEqual([]);
      } finally {
        await app.stop();
      }
    });

    it('replaces a worker that dies, and the session lives on', async () => {
      const app = await start();
      try {
        const [dead] = listedPids(app);
        const go = browser(app.url);
        await visitUntil(go, 1, (pids) => pids.size > 0);
        process.kill(dead!, 'SIGKILL');
        // A new worker starts in ~0.5 s idle; 1 s (waitFor's default) was missed under load.
        const started = { timeout: 20_000, interval: 50 };
        await vi.waitFor(
          () => expect(app.stderr()).toMatch(/died \(SIGKILL\): replaced by \d+/),
          started,
        );
        const [, spare] = /died \(SIGKILL\): replaced by (\d+)/.exec(app.stderr())!;
        await vi.waitFor(
          () => expect(app.stdout()).toContain(`worker ${spare} listening`),
          started,
        );
        await visitUntil(go, 2, (pids) => pids.has(Number(spare)));
        expect(await app.stop()).toBe(0);
      } finally {
        await app.stop();
      }
    });

    it('refuses a WORKERS that is not a positive integer', async () => {
      for (const workers of ['0', 'two', '1.5']) {
        await expect(start({ WORKERS: workers })).rejects.toThrow(
          `WORKERS must be a positive integer (how many processes), not "${workers}"`,
        );
      }
    });
  });
}
