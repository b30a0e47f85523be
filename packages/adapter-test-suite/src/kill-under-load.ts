import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { FastMmapCache } from '@fastmmap/session-core/cache';
import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from './cluster-primary.js';
import { rawRequest } from './http-client.js';

const CLIENTS = 6;
const KILLS = 6;
const STEP_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 3_000;

interface Answer {
  status: number;
  count: number | undefined;
  cookie: string | undefined;
}

/** One request on a fresh connection, so the cluster primary hands each to a worker in turn. */
async function send(port: number, method: string, cookie: string | undefined): Promise<Answer> {
  // A connection the primary handed to a worker that then died can stay open unanswered.
  const reply = await rawRequest(`http://127.0.0.1:${port}/count`, {
    method,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(cookie === undefined ? {} : { cookie }),
  });
  let count: number | undefined;
  try {
    count = (JSON.parse(reply.text) as { count?: number }).count;
  } catch {}
  return { status: reply.status, count, cookie: reply.setCookie };
}

/** The running cluster as its primary reports it. */
class ClusterWatch {
  readonly listening = new Set<number>();
  readonly killed: number[] = [];
  port = 0;
  #changed: () => void = () => {};

  constructor(readonly primary: ChildProcess) {
    createInterface({ input: primary.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as ClusterEvent;
      if ('listening' in event) {
        this.listening.add(event.listening);
        this.port = event.port;
      } else {
        this.listening.delete(event.died);
        if (event.signal === 'SIGKILL') this.killed.push(event.died);
      }
      this.#changed();
    });
  }

  async until(what: string, ok: () => boolean): Promise<void> {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while (!ok()) {
      if (this.primary.exitCode !== null) throw new Error(`the cluster exited waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.#changed = resolve;
        setTimeout(resolve, 50);
      });
    }
  }
}

/** A browser that keeps incrementing its session's counter, one request at a time. */
class CountingClient {
  cookie: string | undefined;
  attempted = 0;
  acked = 0;
  /** Counts the server answered that break acked <= count <= attempted. */
  readonly impossible: string[] = [];

  constructor(private readonly watch: ClusterWatch) {}

  async run(stop: { now: boolean }): Promise<void> {
    while (!stop.now) {
      this.attempted++;
      try {
        const answer = await send(this.watch.port, 'POST', this.cookie);
        if (answer.status !== 200 || answer.count === undefined) continue;
        this.acked++;
        this.cookie ??= answer.cookie;
        if (answer.count < this.acked || answer.count > this.attempted)
          this.impossible.push(`${answer.count} after ${this.acked}/${this.attempted}`);
      } catch {
        await sleep(10); // the worker died with the request, or none is listening right now
      }
    }
  }
}

/**
 * A fixture (run as `node <fixture> <cache file>`) must call runClusterPrimary() in the primary
 * and, in each worker, serve the adapter's session middleware on a FastMmapStore over that file
 * with `POST /count` (increments `data.count`, answers `{ count }`) and `GET /count` (answers
 * `{ count }`, changing nothing), on 127.0.0.1 port 0, closing on SIGTERM.
 *
 * Clients keep counting while workers are SIGKILLed and replaced. Every acknowledged increment
 * must survive, no count may exceed the requests sent, and the file must verify clean after.
 */
export function describeKillUnderLoad(name: string, fixture: string): void {
  describe(`${name}: a 2-worker cluster whose workers are killed under load`, () => {
    it('keeps every acknowledged write, keeps serving, and leaves a sound file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fastmmap-kill-load-'));
      const storage = join(dir, 'sessions.fmcache');
      const primary = spawn(process.execPath, [fixture, storage], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const watch = new ClusterWatch(primary);
      const stop = { now: false };
      try {
        await watch.until('two workers', () => watch.listening.size === 2);
        const clients = Array.from({ length: CLIENTS }, () => new CountingClient(watch));
        const load = clients.map((c) => c.run(stop));
        for (let k = 0; k < KILLS; k++) {
          await sleep(150);
          const [victim] = watch.listening;
          if (victim === undefined) throw new Error('no worker is listening');
          process.kill(victim, 'SIGKILL');
          await watch.until(`the kill of ${victim} to be seen`, () => !watch.listening.has(victim));
          await watch.until('a replacement worker', () => watch.listening.size === 2);
        }
        await sleep(300);
        stop.now = true;
        await Promise.all(load);

        expect(watch.killed.length).toBe(KILLS);
        for (const c of clients) {
          expect(c.impossible).toEqual([]);
          expect(c.cookie).toBeDefined();
          const { status, count } = await send(watch.port, 'GET', c.cookie);
          expect(status).toBe(200);
          expect(count).toBeGreaterThanOrEqual(c.acked);
          expect(count).toBeLessThanOrEqual(c.attempted);
        }
        const acked = clients.reduce((n, c) => n + c.acked, 0);
        expect(acked).toBeGreaterThan(CLIENTS * 5); // the load really ran through the kills
      } finally {
        stop.now = true;
        if (primary.exitCode === null) {
          const exited = new Promise((resolve) => primary.once('exit', resolve));
          primary.kill('SIGTERM');
          await exited;
        }
      }
      try {
        // purge() takes every page's lock, which repairs one a killed worker left half-written.
        const cache = FastMmapCache.open({ path: storage });
        cache.purge();
        expect(cache.verify()).toMatchObject({ ok: true, badRecords: 0, tornPages: 0 });
        cache.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
