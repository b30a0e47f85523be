import { createClient } from 'redis';
import { type RedisClientLike, RedisStore, type RedisStoreOptions } from '../../src/index.js';
import { RedisServer, redisServerForTests } from './redis-server.js';

export const redisBinary = redisServerForTests();
export const skipReason = redisBinary.found ? '' : ` (SKIPPED: ${redisBinary.reason})`;

export async function startRedis(args?: string[]): Promise<RedisServer> {
  if (!redisBinary.found) throw new Error(redisBinary.reason);
  return await RedisServer.start(redisBinary.path, { args });
}

/** A raw client for looking at what the store wrote. */
export async function rawClient(
  url: string,
): Promise<RedisClientLike & ReturnType<typeof createClient>> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  return client as unknown as RedisClientLike & ReturnType<typeof createClient>;
}

/** A settable clock, so expiry is tested without sleeping. */
export function manualClock(start = 1_700_000_000_000): {
  now: () => number;
  advance(ms: number): void;
} {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

let storeCounter = 0;

/** Each store gets its own prefix so tests sharing one server never see each other's keys. */
export function newStore(url: string, options: RedisStoreOptions = {}): RedisStore {
  storeCounter++;
  return new RedisStore({ url, prefix: `t${process.pid}-${storeCounter}:`, ...options });
}
