import { deserialize, serialize } from 'node:v8';
import type { Clock } from '../cache/types.js';
import { SessionError } from '../errors.js';
import { assertKnownOptions } from '../known-options.js';
import { readClock } from './clock-reading.js';
import { copyValue, UNSUPPORTED } from './data-copy.js';
import { SyncBackedStore } from './sync-access.js';
import type { Store, StoredData } from './types.js';
import { assertSupportedData, assertValidId, assertValidTtl, unreadableData } from './validate.js';

export interface MemoryStoreOptions {
  /**
   * Injected time source (ms since the epoch). Default `Date.now`. A reading that is not a
   * finite number >= 0 fails the call with ERR_SESSION_OPTIONS.
   */
  clock?: Clock | undefined;
  /**
   * Largest session accepted, in bytes of its structured-clone encoding. Default 1 MiB, so an
   * app developed against MemoryStore meets a size limit as it will with FastMmapStore.
   */
  maxSize?: number | undefined;
}

const OPTION_KEYS = Object.keys({ clock: 0, maxSize: 0 } satisfies Record<
  keyof MemoryStoreOptions,
  0
>);

interface Item {
  bytes: Buffer;
  /** A private deep copy when the data is plain (most sessions): copied out faster than decoded. */
  copy: object | typeof UNSUPPORTED;
  expiresAt: number;
}

/**
 * The in-process reference store: one process only, nothing survives a restart. Sessions are
 * kept encoded with the structured-clone algorithm (v8.serialize), so a caller never shares
 * an object with the store: mutating what went in or came out changes nothing stored.
 */
export class MemoryStore<D extends object = StoredData>
  extends SyncBackedStore<D>
  implements Store<D>
{
  readonly maxSize: number;
  readonly #clock: Clock;
  readonly #items = new Map<string, Item>();
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    assertKnownOptions(options, OPTION_KEYS, new Map(), 'MemoryStore');
    const maxSize = options.maxSize ?? 1024 * 1024;
    if (!Number.isInteger(maxSize) || maxSize <= 0) {
      throw new SessionError('ERR_SESSION_OPTIONS', 'maxSize must be a positive integer of bytes');
    }
    this.maxSize = maxSize;
    this.#clock = options.clock ?? Date.now;
    if (typeof this.#clock !== 'function') {
      throw new SessionError('ERR_SESSION_OPTIONS', 'clock must be a function returning ms');
    }
  }

  /** Number of live (unexpired) sessions. */
  get size(): number {
    const now = this.#now();
    let n = 0;
    for (const item of this.#items.values()) if (item.expiresAt > now) n++;
    return n;
  }

  /** get(), answered in the call: failures are thrown. */
  getSync(id: string): D | undefined {
    this.#assertOpen();
    assertValidId(id);
    const item = this.#live(id);
    return item === undefined ? undefined : this.#decode(item);
  }

  async store(id: string, data: D, ttlMs: number): Promise<void> {
    this.#assertOpen();
    assertValidId(id);
    assertValidTtl(ttlMs);
    this.#items.set(id, this.#item(data, ttlMs));
  }

  async delete(id: string): Promise<void> {
    this.#assertOpen();
    assertValidId(id);
    this.#items.delete(id);
  }

  async deleteExpired(): Promise<number> {
    this.#assertOpen();
    const now = this.#now();
    let removed = 0;
    for (const [id, item] of this.#items) {
      if (item.expiresAt <= now) {
        this.#items.delete(id);
        removed++;
      }
    }
    return removed;
  }

  // Atomic within the process: nothing awaits between the read and the write.
  /** getAndSet(), answered in the call: failures (fn's own too) are thrown. */
  getAndSetSync(
    id: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
  ): D | undefined {
    this.#assertOpen();
    assertValidId(id);
    assertValidTtl(ttlMs);
    const item = this.#live(id);
    const next = fn(item === undefined ? undefined : this.#decode(item));
    if (next === undefined) {
      this.#items.delete(id);
    } else {
      this.#items.set(id, this.#item(next, ttlMs));
    }
    return next;
  }

  async touch(id: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    assertValidId(id);
    assertValidTtl(ttlMs);
    const item = this.#live(id);
    if (item === undefined) return false;
    item.expiresAt = this.#now() + ttlMs;
    return true;
  }

  /** Removes every session. */
  async clear(): Promise<void> {
    this.#assertOpen();
    this.#items.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#items.clear();
  }

  #live(id: string): Item | undefined {
    const item = this.#items.get(id);
    if (item === undefined) return undefined;
    if (item.expiresAt <= this.#now()) {
      this.#items.delete(id);
      return undefined;
    }
    return item;
  }

  #item(data: D, ttlMs: number): Item {
    const bytes = this.#encode(data);
    return { bytes, copy: copyValue(data), expiresAt: this.#now() + ttlMs };
  }

  #now(): number {
    return readClock(this.#clock, 'MemoryStore');
  }

  /** A fresh copy for the caller: what the structured-clone bytes decode to, made faster. */
  #decode(item: Item): D {
    return (item.copy === UNSUPPORTED ? deserialize(item.bytes) : copyValue(item.copy)) as D;
  }

  #encode(data: D): Buffer {
    assertSupportedData(data);
    let bytes: Buffer;
    try {
      bytes = serialize(data);
    } catch (err) {
      // A Proxy, say: v8's serializer refuses what it cannot clone.
      throw unreadableData(err);
    }
    if (bytes.length > this.maxSize) {
      throw new SessionError(
        'ERR_SESSION_TOO_LARGE',
        `the session is ${bytes.length} bytes encoded, more than this store's maxSize of ${this.maxSize}`,
      );
    }
    return bytes;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new SessionError('ERR_SESSION_STORE_UNAVAILABLE', 'the MemoryStore is closed');
    }
  }
}
