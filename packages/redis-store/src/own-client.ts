import { createClient } from 'redis';
import type { RedisClientLike } from './client.js';

/**
 * The client the store creates, owns and closes, from a url checkOptions has checked first
 * (assertRedisUrl): node-redis's own refusal of a bad url would carry the password.
 */
export function createOwnClient(url: string, connectTimeout: number): RedisClientLike {
  return createClient({
    url,
    socket: { connectTimeout, reconnectStrategy: reconnectDelay },
  }) as unknown as RedisClientLike;
}

/** Reconnect quickly after a restart, without hammering a server that stays down. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000) + Math.floor(Math.random() * 50);
}
