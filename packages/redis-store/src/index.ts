export type { RedisClientLike } from './client.js';
export { isRedisStoreError, RedisStoreError, type RedisStoreErrorCode } from './errors.js';
export type { RedisStoreOptions } from './options.js';
export { RedisStore } from './redis-store.js';
