import * as redis from 'redis';
import type { RedisClientLike } from './client.js';

/**
 * RESP2, whichever node-redis is installed. A RESP3 client authenticates with HELLO, which
 * takes a password sent to a server that has none; RESP2's AUTH refuses it, and the store
 * reports that. node-redis 6 defaults to RESP3 (and exports DEFAULT_RESP); 5 defaults to RESP2
 * and must not be told so, as any RESP option makes it send HELLO too.
 */
const RESP2: { RESP?: 2 } =
  (redis as { DEFAULT_RESP?: number }).DEFAULT_RESP === undefined ? {} : { RESP: 2 };

/**
 * The client the store creates, owns and closes (node-redis 5 or 6), from a url checkOptions
 * has checked first (assertRedisUrl): node-redis's own refusal of a bad url would carry the
 * password.
 */
export function createOwnClient(url: string, connectTimeout: number): RedisClientLike {
  return redis.createClient({
    url,
    ...RESP2,
    socket: { connectTimeout, reconnectStrategy: reconnectDelay },
  }) as unknown as RedisClientLike;
}

/** Reconnect quickly after a restart, without hammering a server that stays down. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000) + Math.floor(Math.random() * 50);
}
