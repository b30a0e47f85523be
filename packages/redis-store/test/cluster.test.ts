import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedisStoreError, RedisStore } from '../src/index.js';
import { freeLoopbackPort, type RedisServer } from './helpers/redis-server.js';
import { rawClient, redisBinary, skipReason, startRedis } from './helpers/setup.js';

const HOUR = 3_600_000;
const NOT_SUPPORTED = /this Redis is a node of a Redis Cluster, which RedisStore does not support/;

// --cluster-port (a bus port of our choosing) needs Redis 7; the store itself needs 6.2.
const major = redisBinary.found
  ? Number(/v=(\d+)/.exec(execFileSync(redisBinary.path, ['--version'], { encoding: 'utf8' }))?.[1])
  : 0;
// As for a missing binary: in CI, an old one fails rather than hide this file behind a skip.
if (redisBinary.found && major < 7 && process.env.CI === 'true')
  throw new Error(`the Redis Cluster tests need redis-server 7+, found ${major}`);
const skip = !redisBinary.found ? skipReason : major < 7 ? ' (SKIPPED: needs redis-server 7+)' : '';

/** A cluster-mode node; its bus port is chosen too (the default, port + 10000, may not exist). */
async function clusterNode(): Promise<{ server: RedisServer; busPort: number }> {
  const busPort = await freeLoopbackPort();
  const server = await startRedis(['--cluster-enabled', 'yes', '--cluster-port', String(busPort)]);
  return { server, busPort };
}

async function storeError(url: string): Promise<unknown> {
  const store = new RedisStore({ url, commandTimeout: 1000 });
  try {
    await store.ready(); // PING needs no slot: a cluster node passes it
    return await store.store('some-session', { a: 1 }, HOUR).catch((e: unknown) => e);
  } finally {
    await store.close();
  }
}

// Real cluster-mode servers: one that owns every slot, one that owns none.
describe.skipIf(skip !== '')(`RedisStore pointed at a Redis Cluster node${skip}`, () => {
  let owner: { server: RedisServer; busPort: number };
  let other: RedisServer;
  beforeAll(async () => {
    [owner, { server: other }] = await Promise.all([clusterNode(), clusterNode()]);
    const raw = await rawClient(owner.server.url);
    const slots = Array.from({ length: 16384 }, (_, slot) => String(slot));
    await raw.sendCommand(['CLUSTER', 'ADDSLOTS', ...slots]);
    await raw.close();
  });
  afterAll(async () => {
    await Promise.all([owner?.server.dispose(), other?.dispose()]);
  });

  it('a node that serves no slot (CLUSTERDOWN), then one that redirects (MOVED): a clear typed error', {
    timeout: 30_000,
  }, async () => {
    const alone = await storeError(other.url);
    expect(isRedisStoreError(alone, 'ERR_REDIS_REPLY')).toBe(true);
    expect((alone as Error).message).toMatch(/^Redis refused SET: CLUSTERDOWN/);
    expect((alone as Error).message).toMatch(NOT_SUPPORTED);

    const raw = await rawClient(other.url);
    const { port } = owner.server;
    await raw.sendCommand(['CLUSTER', 'MEET', '127.0.0.1', String(port), String(owner.busPort)]);
    // Gossip takes a moment: until then the node still answers CLUSTERDOWN.
    for (let tries = 0; tries < 200; tries++) {
      const reply = await raw.get('some-key').catch((e: unknown) => e);
      if (reply instanceof Error && reply.message.startsWith('MOVED')) break;
      await sleep(50);
    }
    await raw.close();
    const moved = await storeError(other.url);
    expect(isRedisStoreError(moved, 'ERR_REDIS_REPLY')).toBe(true);
    expect((moved as Error).message).toMatch(/^Redis refused SET: MOVED \d+ 127\.0\.0\.1:\d+; /);
    expect((moved as Error).message).toMatch(NOT_SUPPORTED);
  });
});
