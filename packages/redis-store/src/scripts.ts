import { createHash } from 'node:crypto';
import type { RedisArgument, TypeMapping } from 'redis';
import { isErrorReply, type RedisClientLike, sendWithDeadline } from './client.js';
import { RedisStoreError } from './errors.js';
import {
  CODEC_MARK,
  EXPIRY_DIGITS,
  EXPIRY_OFFSET,
  HEADER_LENGTH,
  TAG_LENGTH,
  TAG_OFFSET,
} from './record.js';

export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

// Lua strings are 1-based and inclusive; GETRANGE/SETRANGE offsets are 0-based.
const expiryFirst = EXPIRY_OFFSET + 1;
const expiryLast = EXPIRY_OFFSET + EXPIRY_DIGITS;

/** touch's answer for a value whose header is not this store's (as decodeRecord judges it). */
export const TOUCH_NOT_A_RECORD = -1;

/**
 * touch: KEYS[1]; ARGV now, new expiry (15 digits), Redis ttl (ms from Redis's now).
 * Only a live record (by the store's clock) is touched: its 15 expiry digits are replaced and
 * the key set again with Redis's ttl (PX, counted on Redis's clock: see RedisStore's #expiry),
 * inside Redis; the data is not read out. One SET, not SETRANGE and PEXPIRE: the README's ACL
 * grants no PEXPIRE, and an absolute PEXPIREAT judged our deadline by Redis's clock. A value
 * whose header get() would refuse answers TOUCH_NOT_A_RECORD (an empty string is one: GETRANGE
 * gives '' for a missing key too, which GET then tells apart; GET, not EXISTS, which the
 * README's ACL does not grant).
 */
export const TOUCH = script(`
local h = redis.call('GETRANGE', KEYS[1], 0, ${HEADER_LENGTH - 1})
if #h == 0 and not redis.call('GET', KEYS[1]) then return 0 end
if #h < ${HEADER_LENGTH} or string.sub(h, 1, 1) ~= 'f' then return ${TOUCH_NOT_A_RECORD} end
local codec = string.byte(h, 2)
if codec ~= ${CODEC_MARK.cbor} and codec ~= ${CODEC_MARK.json} then return ${TOUCH_NOT_A_RECORD} end
local digits = string.sub(h, ${expiryFirst}, ${expiryLast})
if not string.match(digits, '^%d+$') then return ${TOUCH_NOT_A_RECORD} end
if tonumber(digits) <= tonumber(ARGV[1]) then return 0 end
local v = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], string.sub(v, 1, ${EXPIRY_OFFSET}) .. ARGV[2] .. string.sub(v, ${expiryLast + 1}), 'PX', ARGV[3])
return 1
`);

/**
 * compare-and-set: KEYS[1]; ARGV expected write tag ('' = the key must not exist), new record
 * ('' = delete), Redis ttl (ms). Returns 1 when applied. When someone wrote in between it
 * writes nothing and returns what is there now (the record, or 0 if the key is gone), read in
 * the same atomic step. So the retry needs no GET of its own, and a writer that lost is one
 * round trip ahead of writers that start afresh (GET, then compare-and-set): losers go first.
 * A script runs atomically: the record is either fully replaced or left as it was.
 */
export const COMPARE_AND_SET = script(`
if ARGV[1] == '' then
  local current = redis.call('GET', KEYS[1])
  if current then return current end
elseif redis.call('GETRANGE', KEYS[1], ${TAG_OFFSET}, ${TAG_OFFSET + TAG_LENGTH - 1}) ~= ARGV[1] then
  return redis.call('GET', KEYS[1]) or 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`);

/**
 * EVALSHA, falling back to EVAL when the server does not know the script (first use, or a
 * restarted server whose script cache is empty), so nothing needs loading up front.
 */
export async function runScript(
  client: RedisClientLike,
  lua: LuaScript,
  keys: readonly RedisArgument[],
  args: readonly RedisArgument[],
  timeoutMs: number,
  typeMapping?: TypeMapping,
  onReply?: () => void,
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  const send = (command: ReadonlyArray<RedisArgument>) =>
    sendWithDeadline(client, command, timeoutMs, typeMapping, onReply);
  try {
    return await send(['EVALSHA', lua.sha1, ...tail]);
  } catch (err) {
    const reply = err instanceof RedisStoreError ? err.cause : undefined;
    if (!isErrorReply(reply) || !reply.message.startsWith('NOSCRIPT')) throw err;
    return await send(['EVAL', lua.source, ...tail]);
  }
}
