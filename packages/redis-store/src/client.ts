import {
  AbortError,
  BlobError,
  ErrorReply,
  RESP_TYPES,
  type RedisArgument,
  SimpleError,
  type TypeMapping,
} from 'redis';
import { RedisStoreError } from './errors.js';

/**
 * The part of a node-redis 5 or 6 client the store uses. Any `createClient()` result fits
 * (with or without modules, scripts, RESP2 or RESP3); we only send raw commands.
 */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand<T = unknown>(
    args: ReadonlyArray<RedisArgument>,
    options?: { abortSignal?: AbortSignal; typeMapping?: TypeMapping; timeout?: number },
  ): Promise<T>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error' | 'ready', listener: (err: Error) => void): unknown;
  off(event: 'error' | 'ready', listener: (err: Error) => void): unknown;
}

/** Bulk strings come back as Buffers: records are binary (cbor). */
export const BUFFER_REPLIES: TypeMapping = { [RESP_TYPES.BLOB_STRING]: Buffer };

class DeadlineExceeded extends Error {}

/**
 * Sends one command and settles within `timeoutMs`, whatever the connection does.
 * node-redis queues commands while it reconnects (the offline queue) and only bounds the time
 * a command waits in that queue, not the wait for a reply; this bounds both. A command sent
 * while the client is offline gets an abort signal: still queued at the deadline, it is
 * dropped and never runs later (a stale write replayed after a reconnect could overwrite newer
 * data). While the client is ready the signal is skipped (it costs about a quarter of the
 * client-side CPU of a GET, in node's EventTarget): such a command goes out on the next tick,
 * and if it is caught by a disconnect in that tick its outcome is reported as unknown, which
 * ERR_REDIS_TIMEOUT means anyway.
 */
export function sendWithDeadline<T>(
  client: RedisClientLike,
  args: ReadonlyArray<RedisArgument>,
  timeoutMs: number,
  typeMapping?: TypeMapping,
  onReply?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = client.isReady ? undefined : new AbortController();
    const timer = setTimeout(() => {
      // Aborting rejects a still-queued command with AbortError (handled below, first);
      // a command already on the wire ignores the abort and times out here instead.
      abort?.abort();
      setImmediate(() => reject(toStoreError(new DeadlineExceeded(), args, timeoutMs)));
    }, timeoutMs);
    let sent: Promise<T>;
    try {
      // timeout 0: no queue timeout of the client's own (v6 sets 5 s by default), which would
      // fail a command before commandTimeout, as an unknown outcome, though it was never sent.
      sent = client.sendCommand<T>(args, { abortSignal: abort?.signal, typeMapping, timeout: 0 });
    } catch (err) {
      clearTimeout(timer);
      reject(toStoreError(err, args, timeoutMs));
      return;
    }
    sent.then(
      (reply) => {
        clearTimeout(timer);
        onReply?.(); // late too: a reply after the deadline still says the connection works
        resolve(reply);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (isErrorReply(err)) onReply?.();
        reject(toStoreError(err, args, timeoutMs));
      },
    );
  });
}

/**
 * instanceof, or the same class name: a client given by the app may come from another copy
 * of @redis/client (a different version installed next to ours), whose classes differ.
 */
function isErrorOf(err: unknown, cls: abstract new (...args: never[]) => Error): boolean {
  return err instanceof cls || (err instanceof Error && err.constructor.name === cls.name);
}

/** A command dropped from the offline queue at its deadline: the wait did elapse. */
export const isAbortError = (err: unknown): boolean => isErrorOf(err, AbortError);

export const isErrorReply = (err: unknown): err is Error =>
  isErrorOf(err, ErrorReply) || isErrorOf(err, SimpleError) || isErrorOf(err, BlobError);

/** Error replies of a server that cannot serve yet: LOADING, MASTERDOWN, TRYAGAIN. */
const NOT_READY = /^(LOADING|MASTERDOWN|TRYAGAIN)\b/;

/** Replies only a Redis Cluster node gives: the key lives on another node, or no node. */
const CLUSTER_ONLY = /^(MOVED|ASK|CLUSTERDOWN)\b/;

/**
 * A createCluster() client, told apart by shape: it has the same isOpen, connect and close,
 * but its sendCommand takes (firstKey, isReadonly, args), so every call would fail obscurely.
 * Getters are only looked up (`in`), never run.
 */
export function isClusterClient(client: object): boolean {
  return 'masters' in client && 'slots' in client && 'getSlotMaster' in client;
}

/** An error's message, or its class when it has none (node-redis's TimeoutError). */
export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message || err.constructor.name : String(err);

/** Commands that never change data: a timeout of one of them has no unknown outcome. */
const READS = new Set(['GET', 'PING']);

/** Turns whatever node-redis threw into a RedisStoreError with a stable code. */
export function toStoreError(
  err: unknown,
  args: ReadonlyArray<RedisArgument>,
  timeoutMs: number,
): RedisStoreError {
  const command = String(args[0]);
  if (err instanceof RedisStoreError) return err;
  if (isErrorReply(err)) {
    // A server that is up but not serving yet (loading its dataset after a restart, a replica
    // without its master): unavailable for now, as a refused connection is, not a refusal.
    if (NOT_READY.test(err.message)) {
      return new RedisStoreError(
        'ERR_REDIS_UNAVAILABLE',
        `Redis is not ready for ${command}: ${err.message}`,
        { cause: err },
      );
    }
    // A url or client aimed at one node of a cluster: PING works, then keys of other nodes fail.
    const cluster = CLUSTER_ONLY.test(err.message)
      ? '; this Redis is a node of a Redis Cluster, which RedisStore does not support: use a standalone Redis (or a primary with replicas)'
      : '';
    return new RedisStoreError(
      'ERR_REDIS_REPLY',
      `Redis refused ${command}: ${err.message}${cluster}`,
      { cause: err },
    );
  }
  if (err instanceof DeadlineExceeded) {
    const outcome = READS.has(command) ? '' : '; it may or may not have been applied';
    return new RedisStoreError(
      'ERR_REDIS_TIMEOUT',
      `Redis did not answer ${command} within ${timeoutMs} ms (commandTimeout; connectTimeout for ready())${outcome}`,
    );
  }
  if (isAbortError(err)) {
    return new RedisStoreError(
      'ERR_REDIS_UNAVAILABLE',
      `no connection to Redis within ${timeoutMs} ms (commandTimeout; connectTimeout for ready()); ${command} was not sent`,
      { cause: err },
    );
  }
  const reason = errorText(err);
  // A connection that breaks may have taken a write to Redis before its reply was lost.
  const outcome = READS.has(command)
    ? ''
    : `; ${command} may or may not have been applied, if it was sent before the connection failed`;
  return new RedisStoreError(
    'ERR_REDIS_UNAVAILABLE',
    `Redis is unavailable (${reason})${outcome}`,
    {
      cause: err,
    },
  );
}
