import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStore } from '../src/index.js';
import type { RedisServer } from './helpers/redis-server.js';
import { newStore, redisBinary, skipReason, startRedis } from './helpers/setup.js';

const HOUR = 3_600_000;
const CHILD = fileURLToPath(new URL('./fixtures/contend-child.mjs', import.meta.url));

interface ChildReport {
  type: 'done';
  ok: number;
  failed: string[];
  fnCalls: number;
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

// With the default options: FastMmapStore and MemoryStore never fail under contention, and
// neither may this store (a retry count of 10 gave up on 13% of such increments).
describe.skipIf(!redisBinary.found)(`RedisStore getAndSet under contention${skipReason}`, () => {
  let server: RedisServer;
  const stores: RedisStore[] = [];
  const open = () => {
    const store = newStore(server.url);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await server?.dispose();
  });

  it('the calls of one store for one session take turns: 200 at once, fn runs 200 times, none lost', async () => {
    const store = open();
    let fnCalls = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () =>
        store.getAndSet(
          'one',
          (cur) => {
            fnCalls++;
            return { n: ((cur?.n as number) ?? 0) + 1 };
          },
          HOUR,
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // No race lost at all: nobody else writes this session, and the calls queue in order.
    expect(fnCalls).toBe(200);
    expect(results.map((r) => r.status === 'fulfilled' && r.value?.n)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    expect(await store.get('one')).toEqual({ n: 200 });
  });

  it('2 processes x 10 concurrent loops on one session: no increment fails or is lost', {
    timeout: 60_000,
  }, async () => {
    const prefix = open().prefix;
    const perProcess = 300;
    const children = Array.from({ length: 2 }, () =>
      fork(CHILD, [server.url, prefix, 'shared', String(perProcess), '10'], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    try {
      await Promise.all(children.map((child) => nextMessage(child)));
      const done = children.map((child) => nextMessage<ChildReport>(child));
      for (const child of children) child.send('go'); // at once, so their calls overlap
      const reports = await Promise.all(done);
      for (const report of reports) {
        expect(report.failed).toEqual([]);
        expect(report.ok).toBe(perProcess);
      }
      // Every increment counted exactly once.
      expect(await stores[stores.length - 1]?.get('shared')).toEqual({ n: 2 * perProcess });
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
  });

  // A loser that backed off (slept) before its retry let the other process, which never
  // waits, win every race meanwhile: it did 2 increments to the other's 44,000 in 5 s, and
  // failed the rest with ERR_REDIS_CONFLICT.
  it('2 processes hammering one session for 2 s: both get their share, none fails', {
    timeout: 60_000,
  }, async () => {
    const prefix = open().prefix;
    const children = Array.from({ length: 2 }, () =>
      fork(CHILD, [server.url, prefix, 'hammered', String(Number.MAX_SAFE_INTEGER), '1', '2000'], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    try {
      await Promise.all(children.map((child) => nextMessage(child)));
      const done = children.map((child) => nextMessage<ChildReport>(child));
      for (const child of children) child.send('go');
      const reports = await Promise.all(done);
      const total = reports.reduce((sum, report) => sum + report.ok, 0);
      for (const report of reports) {
        expect(report.failed).toEqual([]);
        expect(report.ok).toBeGreaterThan(total / 10);
      }
      expect(await stores[stores.length - 1]?.get('hammered')).toEqual({ n: total });
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
  });
});
