import { SessionError } from '@fastmmap/session-core';
import { assertKnownOptions } from '@fastmmap/session-core/adapter';
import { isClusterClient } from './client.js';
import { DEFAULTS, OPTION_HINTS, OPTION_KEYS, type RedisStoreOptions } from './options.js';
import { HEADER_LENGTH } from './record.js';
import { assertRedisUrl } from './url.js';

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 lib typings.
const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Throws ERR_SESSION_OPTIONS for options the store cannot work with, before anything connects.
 * `resolved` holds the values the store settled on (the option or its default).
 */
export function checkOptions(
  options: RedisStoreOptions,
  resolved: { prefix: unknown; codec: unknown; maxBytes: unknown },
): void {
  assertKnownOptions(options, OPTION_KEYS, OPTION_HINTS, 'RedisStore');
  const bad = (message: string): never => {
    throw new SessionError('ERR_SESSION_OPTIONS', `RedisStore: ${message}`);
  };
  if (options.client !== undefined && options.url !== undefined)
    bad('give `client` or `url`, not both');
  if (options.url !== undefined) assertRedisUrl(options.url);
  if (options.client !== undefined) {
    if (typeof options.client !== 'object' || options.client === null)
      bad('client must be a node-redis client (createClient())');
    if (isClusterClient(options.client))
      bad(
        'a Redis Cluster client (createCluster()) is not supported; pass a createClient() client of a standalone Redis, or its url',
      );
  }
  if (typeof resolved.prefix !== 'string') bad('prefix must be a string');
  // Sent as UTF-8, a lone surrogate becomes U+FFFD: 'a\uD800' and 'a\uDC00' would share keys.
  else if (!isWellFormed(resolved.prefix))
    bad('prefix must be well-formed UTF-16 (no lone surrogates)');
  if (resolved.codec !== 'cbor' && resolved.codec !== 'json') bad("codec must be 'cbor' or 'json'");
  if (typeof options.clock !== 'undefined' && typeof options.clock !== 'function')
    bad('clock must be a function');
  const positive = (name: string, v: unknown, min: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      bad(`${name} must be an integer >= ${min}`);
  };
  // No maxRetries, or Infinity: getAndSet is bounded by commandTimeout alone.
  if (options.maxRetries !== undefined && options.maxRetries !== Number.POSITIVE_INFINITY)
    positive('maxRetries', options.maxRetries, 0);
  positive('commandTimeout', options.commandTimeout ?? DEFAULTS.commandTimeout, 1);
  positive('connectTimeout', options.connectTimeout ?? DEFAULTS.connectTimeout, 1);
  positive('maxBytes', resolved.maxBytes, HEADER_LENGTH + 1);
}
