import {
  assertSupportedData,
  assertValidId,
  assertValidTtl,
  type Clock,
  SessionError,
  type Store,
  type StoredData,
} from '@fastmmap/session-core';
import type { RedisArgument, TypeMapping } from 'redis';
import { checkOptions } from './check-options.js';
import {
  BUFFER_REPLIES,
  errorText,
  isAbortError,
  isErrorReply,
  type RedisClientLike,
  sendWithDeadline,
} from './client.js';
import { readClock } from './clock-reading.js';
import { closeWithin } from './close.js';
import { ConnectionWatchdog } from './connection-watchdog.js';
import { RedisStoreError } from './errors.js';
import { KeyQueue } from './key-queue.js';
import { DEFAULTS, type RedisStoreOptions } from './options.js';
import { createOwnClient } from './own-client.js';
import {
  buildRecord,
  type CodecName,
  capExpiry,
  corrupt,
  type DecodedRecord,
  decodeRecord,
  encodePayload,
  formatExpiry,
  HEADER_LENGTH,
  newTag,
} from './record.js';
import {
  COMPARE_AND_SET,
  type LuaScript,
  runScript,
  TOUCH,
  TOUCH_NOT_A_RECORD,
} from './scripts.js';

const DELETE = Buffer.alloc(0); // the compare-and-set script's "delete" value

/**
 * The shortest silence after which the store's own connection is cut and made again (see
 * ConnectionWatchdog); otherwise four commandTimeouts.
 */
const MIN_SILENCE_MS = 5_000;

/**
 * The Store contract on Redis: one string key per session (`prefix + id`) holding a small
 * header (absolute expiry, write tag, codec) and the encoded data. Redis deletes the key the
 * same ttl after the write through PX, so it needs no sweeper.
 */
export class RedisStore<D extends object = StoredData> implements Store<D> {
  readonly prefix: string;
  readonly client: RedisClientLike;
  readonly codec: CodecName;
  readonly maxBytes: number;
  readonly #clock: Clock;
  readonly #closeClient: boolean;
  readonly #ownClient: boolean;
  readonly #maxRetries: number;
  readonly #commandTimeout: number;
  readonly #connectTimeout: number;
  #lastConnectionError: Error | undefined;
  /** The store's own client only: one given to it is its owner's to manage. */
  readonly #watchdog: ConnectionWatchdog | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Whether the client has been connected, by the store or by its owner (then seen open). */
  #connectStarted = false;
  readonly #getAndSetQueue = new KeyQueue();
  // Without a listener an 'error' event (every failed reconnect) would crash the process.
  readonly #onError = (err: Error): void => {
    this.#lastConnectionError = err;
    const refused = handshakeRefusal(err);
    if (refused !== undefined) this.#handshakeRefused = { what: refused, err };
  };
  readonly #onReady = (): void => {
    this.#watchdog?.heard();
    this.#lastConnectionError = undefined;
    this.#handshakeRefused = undefined;
  };
  /**
   * The handshake's AUTH (the url's user and password) or SELECT (its database number) was
   * refused, on the last connection attempt. node-redis then reconnects in a loop, yet runs
   * the commands queued behind the refusal: as the `default` user (which on a stock Redis has
   * every right) or on database 0. The store sends nothing while this is set.
   */
  #handshakeRefused: { what: 'auth' | 'select'; err: Error } | undefined;

  constructor(options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULTS.prefix;
    this.codec = options.codec ?? DEFAULTS.codec;
    this.maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
    this.#maxRetries = options.maxRetries ?? Number.POSITIVE_INFINITY;
    this.#commandTimeout = options.commandTimeout ?? DEFAULTS.commandTimeout;
    this.#connectTimeout = options.connectTimeout ?? DEFAULTS.connectTimeout;
    this.#clock = options.clock ?? Date.now;
    checkOptions(options, this);

    if (options.client !== undefined) {
      this.client = options.client;
      this.#closeClient = options.closeClient ?? false;
      this.#ownClient = false;
      this.#connectStarted = this.client.isOpen;
    } else {
      this.client = createOwnClient(options.url ?? DEFAULTS.url, this.#connectTimeout);
      // Nobody else can close the store's own client: left open, it keeps the process alive.
      this.#closeClient = true;
      this.#ownClient = true;
      const silenceMs = Math.max(4 * this.#commandTimeout, MIN_SILENCE_MS);
      this.#watchdog = new ConnectionWatchdog(this.client, silenceMs, this.#commandTimeout, () =>
        this.#connect(),
      );
    }
    this.client.on('error', this.#onError);
    this.client.on('ready', this.#onReady);
  }

  /**
   * Connects (if needed) and resolves once Redis answers a PING. Optional: every call connects
   * on its own. Rejects with ERR_REDIS_UNAVAILABLE once `connectTimeout` has passed without a
   * connection (a refused connection is retried meanwhile: a Redis still starting may come
   * up), or with ERR_REDIS_TIMEOUT if a connection was made but the PING got no answer within
   * `connectTimeout` (a paused, hung or overloaded Redis). Either way a start-up against a
   * Redis that cannot serve fails clearly instead of hanging.
   */
  async ready(): Promise<void> {
    const started = Date.now();
    try {
      await this.#send(['PING'], this.#connectTimeout);
    } catch (err) {
      if (err instanceof RedisStoreError && err.redisCode === 'ERR_REDIS_UNAVAILABLE') {
        // Name the timeout only if it elapsed; otherwise say how the connection failed.
        const how = isAbortError(err.cause)
          ? ` within ${this.#connectTimeout} ms (connectTimeout)`
          : `: the connection failed after ${Date.now() - started} ms (${errorText(err.cause)})`;
        throw new RedisStoreError(
          'ERR_REDIS_UNAVAILABLE',
          `could not reach Redis${how}${this.#lastErrorText(err.cause)}`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async get(id: string): Promise<D | undefined> {
    const key = this.#key(id);
    const record = await this.#read(key);
    return record === undefined || this.#expired(record) ? undefined : (record.data as D);
  }

  async store(id: string, data: D, ttlMs: number): Promise<void> {
    const key = this.#key(id);
    assertValidTtl(ttlMs);
    const payload = this.#encode(data);
    const { expiresAt, redisTtl } = this.#expiry(ttlMs);
    await this.#send([
      'SET',
      key,
      buildRecord(this.codec, payload, expiresAt, newTag()),
      'PX',
      redisTtl,
    ]);
  }

  async delete(id: string): Promise<void> {
    await this.#send(['DEL', this.#key(id)]);
  }

  /** Always 0: Redis deletes expired keys itself (each key carries its PX deadline). */
  async deleteExpired(): Promise<number> {
    this.#assertOpen();
    return 0;
  }

  /**
   * Optimistic and atomic across processes and machines: read the record and its write tag,
   * run fn, then a Lua compare-and-set writes only if the tag is unchanged. When another
   * writer got in first, the script hands back the record that won and fn runs again on it.
   * The calls of this store for one session take turns (so only other processes can make
   * one lose), and they retry for up to `commandTimeout` in all, queueing included, then
   * fail with ERR_REDIS_CONFLICT having written nothing.
   */
  async getAndSet(
    id: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
  ): Promise<D | undefined> {
    const key = this.#key(id);
    assertValidTtl(ttlMs);
    const started = performance.now();
    return await this.#getAndSetQueue.run(
      key,
      this.#commandTimeout,
      // Those earlier calls are stuck on Redis (healthy, they take a round trip or two).
      () =>
        new RedisStoreError(
          'ERR_REDIS_UNAVAILABLE',
          `getAndSet was not sent: it waited ${this.#commandTimeout} ms (commandTimeout) for earlier getAndSet calls of the same session in this process, which Redis has not answered; nothing was written`,
        ),
      () => this.#getAndSetNow(key, fn, ttlMs, started + this.#commandTimeout),
    );
  }

  async #getAndSetNow(
    key: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
    giveUpAt: number,
  ): Promise<D | undefined> {
    let record = await this.#read(key);
    for (let attempt = 0; ; attempt++) {
      const current =
        record === undefined || this.#expired(record) ? undefined : (record.data as D);
      const next = fn(current);
      if (next === undefined && record === undefined) return undefined; // nothing to delete
      let value: Buffer = DELETE;
      const { expiresAt, redisTtl } = this.#expiry(ttlMs);
      if (next !== undefined) {
        value = buildRecord(this.codec, this.#encode(next), expiresAt, newTag());
      }
      const reply = await this.#script(
        COMPARE_AND_SET,
        key,
        [record?.tag ?? '', value, redisTtl],
        BUFFER_REPLIES,
      );
      if (reply === 1) return next;
      // Lost the race: the reply is what won (a record, or 0 for a key deleted meanwhile).
      record = Buffer.isBuffer(reply) ? decodeRecord(this.prefix, reply) : undefined;
      const msLeft = giveUpAt - performance.now();
      if (attempt >= this.#maxRetries || msLeft <= 0) {
        const limit =
          attempt >= this.#maxRetries
            ? ` (maxRetries ${this.#maxRetries})`
            : ` in ${this.#commandTimeout} ms (commandTimeout)`;
        throw new RedisStoreError(
          'ERR_REDIS_CONFLICT',
          `getAndSet lost to concurrent writers of the same session ${attempt + 1} times${limit}; nothing was written`,
        );
      }
      // Again at once, with no backoff: the reply carried the record that won, so this retry
      // is one round trip (a fresh call needs two, GET and then the script) and goes first.
      // A loser that slept instead let a busy process win every race meanwhile, and starved.
    }
  }

  /** New expiry ttlMs from now; patches 15 header bytes and the key's deadline, not the data. */
  async touch(id: string, ttlMs: number): Promise<boolean> {
    const key = this.#key(id);
    assertValidTtl(ttlMs);
    const now = readClock(this.#clock);
    const { expiresAt, redisTtl } = this.#expiry(ttlMs, now);
    const touched = await this.#script(TOUCH, key, [
      String(now),
      formatExpiry(expiresAt),
      redisTtl,
    ]);
    // What get() refuses, touch does not call missing: the key is not free for a new session.
    if (touched === TOUCH_NOT_A_RECORD) throw corrupt(this.prefix, 'bad header');
    return touched === 1;
  }

  /**
   * Idempotent, and never rejects. Closes the client only if the store created it (or
   * `closeClient: true`): replies already pending are awaited for at most `commandTimeout`,
   * then the connection is cut, so a hung or dead Redis cannot hang a shutdown.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    try {
      if (this.#closeClient) await closeWithin(this.client, this.#commandTimeout);
    } finally {
      this.client.off('error', this.#onError);
      this.client.off('ready', this.#onReady);
    }
  }

  // Error messages never carry the id: a session id in a log is a usable credential.
  #key(id: string): string {
    this.#assertOpen();
    assertValidId(id);
    return this.prefix + id;
  }

  #assertOpen(): void {
    if (this.#closed) throw new RedisStoreError('ERR_REDIS_CLOSED', 'the RedisStore is closed');
  }

  #expired(record: DecodedRecord): boolean {
    return record.expiresAt <= readClock(this.#clock);
  }

  /**
   * `expiresAt` (in the record, judged by the store's clock) is clock() + ttl. Redis gets the
   * ttl itself (PX, capped as the record's expiry is), which it counts on its own clock: an
   * absolute PXAT deadline was judged by Redis's clock too, so an app host whose clock was
   * behind Redis's by more than the ttl (a clock wrong at boot, a VM resumed from suspend, an
   * NTP step back) wrote every session already expired, and nobody could log in. The record's
   * expiry still decides for this store; Redis only frees the key.
   */
  #expiry(ttlMs: number, now = readClock(this.#clock)): { expiresAt: number; redisTtl: string } {
    const expiresAt = capExpiry(Math.ceil(now + ttlMs));
    return { expiresAt, redisTtl: String(Math.max(1, Math.ceil(expiresAt - now))) };
  }

  #encode(data: D): Uint8Array {
    assertSupportedData(data);
    let payload: Uint8Array;
    try {
      payload = encodePayload(this.codec, data);
    } catch (err) {
      throw new SessionError(
        'ERR_SESSION_UNSUPPORTED_DATA',
        `the ${this.codec} codec cannot encode this session: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const size = HEADER_LENGTH + payload.byteLength;
    if (size > this.maxBytes) {
      throw new RedisStoreError(
        'ERR_REDIS_TOO_LARGE',
        `the session is ${size} bytes encoded, more than maxBytes (${this.maxBytes}); the stored session is unchanged`,
      );
    }
    return payload;
  }

  async #read(key: string): Promise<DecodedRecord | undefined> {
    const bytes = await this.#send<Buffer | null>(
      ['GET', key],
      this.#commandTimeout,
      BUFFER_REPLIES,
    );
    return bytes === null ? undefined : decodeRecord(this.prefix, bytes);
  }

  #script(
    lua: LuaScript,
    key: string,
    args: RedisArgument[],
    typeMapping?: TypeMapping,
  ): Promise<unknown> {
    return this.#withConnection(() =>
      runScript(
        this.client,
        lua,
        [key],
        args,
        this.#commandTimeout,
        typeMapping,
        this.#watchdog?.heard,
      ),
    );
  }

  #send<T>(
    args: RedisArgument[],
    timeoutMs = this.#commandTimeout,
    typeMapping?: TypeMapping,
  ): Promise<T> {
    return this.#withConnection(() =>
      sendWithDeadline<T>(this.client, args, timeoutMs, typeMapping, this.#watchdog?.heard),
    );
  }

  /** Starts connecting on first use (commands wait in node-redis's offline queue meanwhile). */
  async #withConnection<T>(run: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    this.#assertHandshakeGranted(false);
    const wasReady = this.client.isReady;
    // Seen open once (its owner connected it after handing it over): theirs to close for good.
    if (this.client.isOpen) this.#connectStarted = true;
    else this.#connect();
    try {
      const result = await run();
      if (!wasReady) {
        // Sent while connecting: a refused AUTH or SELECT is an 'error' event next to the reply.
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.#assertHandshakeGranted(true);
      }
      return result;
    } catch (err) {
      if (
        err instanceof RedisStoreError &&
        err.redisCode === 'ERR_REDIS_TIMEOUT' &&
        !this.#closed
      ) {
        this.#watchdog?.unanswered();
      }
      if (err instanceof RedisStoreError && isConnectionFailure(err)) {
        // node-redis reports a failed handshake (its 'error' event) some microtasks after it
        // rejects the commands pipelined behind it: one macrotask later it has been seen.
        if (err.redisCode === 'ERR_REDIS_REPLY')
          await new Promise<void>((resolve) => setImmediate(resolve));
        throw new RedisStoreError(err.redisCode, err.message + this.#lastErrorText(err.cause), {
          cause: err.cause ?? err,
        });
      }
      throw err;
    }
  }

  /**
   * Connects the client, or refuses to. A given client is connected at most once, and only if
   * it was not open when given: once its owner has closed it, reopening it behind their back
   * would keep their process alive after their shutdown. connect() resolves only once
   * connected and keeps retrying; failures surface through 'error' events and, for our
   * commands, through their deadline.
   */
  #connect(): void {
    if (!this.#ownClient && this.#connectStarted) {
      throw new RedisStoreError(
        'ERR_REDIS_CLOSED',
        'the Redis client passed to the RedisStore is closed (by its owner, or it stopped reconnecting), and the store does not reopen a client it was given',
      );
    }
    this.#connectStarted = true;
    this.client.connect().catch((err: unknown) => {
      this.#lastConnectionError = err instanceof Error ? err : new Error(String(err));
    });
  }

  /** Refuses to go on once the url's user or database was refused (see #handshakeRefused). */
  #assertHandshakeGranted(afterSending: boolean): void {
    const refusal = this.#handshakeRefused;
    if (refusal === undefined) return;
    const { err } = refusal;
    if (refusal.what === 'auth') {
      const what = afterSending
        ? "the command just sent ran as Redis's default user instead"
        : "nothing was sent (commands behind a refused AUTH would run as Redis's default user)";
      throw new RedisStoreError(
        'ERR_REDIS_REPLY',
        `Redis refused the url's user name and password (${err.message}); ${what}. Check the password (and user name) in the url against the server's ACL or requirepass`,
        { cause: err },
      );
    }
    const what = afterSending
      ? 'the command just sent ran on database 0 instead'
      : 'nothing was sent (commands behind a refused SELECT would run on database 0)';
    throw new RedisStoreError(
      'ERR_REDIS_REPLY',
      `Redis refused the SELECT of the url's database number (${err.message}); ${what}. Grant the user +select (ACL SETUSER <user> +select), use a database that exists, or drop the number from the url`,
      { cause: err },
    );
  }

  /** The last connection error, unless it is `shown` already (the same message). */
  #lastErrorText(shown?: unknown): string {
    const err = this.#lastConnectionError;
    if (err === undefined || (shown instanceof Error && shown.message === err.message)) return '';
    return ` (last connection error: ${errorText(err)})`;
  }
}

/**
 * Errors whose real cause is the connection, so the last connection error explains them: no
 * connection, or NOAUTH (the handshake's AUTH failed, e.g. WRONGPASS, and the commands
 * pipelined behind it reached an unauthenticated connection).
 */
function isConnectionFailure(err: RedisStoreError): boolean {
  if (err.redisCode === 'ERR_REDIS_UNAVAILABLE') return true;
  return err.redisCode === 'ERR_REDIS_REPLY' && /^NOAUTH\b/.test(errorText(err.cause));
}

/**
 * Which step of the handshake an 'error' event refuses: AUTH (a wrong password or user, or a
 * password for a server that has none), SELECT (no permission for it, or a database number the
 * server does not have), or neither.
 */
function handshakeRefusal(err: Error): 'auth' | 'select' | undefined {
  if (!isErrorReply(err)) return undefined;
  if (/^WRONGPASS\b|^ERR AUTH\b.*without any password configured/i.test(err.message)) return 'auth';
  if (/'select' command|DB index is out of range/i.test(err.message)) return 'select';
  return undefined;
}
