/**
 * Session data: an object of JSON-like values plus `Date` (and, with the cbor codec, typed
 * arrays, Map, Set, bigint). Extend it by declaration merging:
 *
 *   declare module '@fastmmap/session-core' { interface SessionData { userId?: string } }
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface SessionData {}

/** The shape every store holds: the user's data as a plain object. */
export type StoredData = Record<string, unknown>;

/**
 * The Store contract. Required: get, store, delete, deleteExpired, getAndSet, close.
 * Optional: touch. All methods are async so networked stores fit. Times are milliseconds.
 * Expiry is absolute and is kept in the same record as the data, so the two cannot drift
 * apart. Values go in and come out as copies: a caller never shares an object with a store.
 * Failures reject with a SessionError (or subclass) whose `code` is one of ERR_SESSION_*:
 * INVALID_ID, INVALID_TTL, TOO_LARGE, UNSUPPORTED_DATA, STORE_UNAVAILABLE. A failed write
 * leaves the stored value as it was.
 */
export interface Store<D extends object = StoredData> {
  /** The data, or undefined when missing or expired. */
  get(id: string): Promise<D | undefined>;
  /** Writes data that expires ttlMs from now (ttlMs > 0). Throws when it cannot store. */
  store(id: string, data: D, ttlMs: number): Promise<void>;
  /** Removes the session; a missing one is not an error. */
  delete(id: string): Promise<void>;
  /** Removes expired sessions and returns how many (0 where the backend expires by itself). */
  deleteExpired(): Promise<number>;
  /**
   * Atomic read-modify-write, across processes where the store is shared. `fn` is synchronous,
   * receives the current data (undefined when missing or expired) and returns the new data,
   * or undefined to delete. The result expires ttlMs from now. Resolves to what fn returned.
   * When fn throws, nothing changes and the call rejects with fn's error.
   */
  getAndSet(
    id: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
  ): Promise<D | undefined>;
  /**
   * Optional, for stores whose work is synchronous at heart: the same get and getAndSet,
   * answered in the call (failures thrown, not rejected). The session manager then finishes
   * most requests without waiting for a promise. Leave it undefined when get or getAndSet do
   * more than these (a subclass that logs, say): the manager would go around them.
   */
  readonly sync?: SyncStoreAccess<D> | undefined;
  /** Optional: moves the expiry to ttlMs from now without rewriting the data. False if missing. */
  touch?(id: string, ttlMs: number): Promise<boolean>;
  /** Releases resources. Idempotent; later calls reject with ERR_SESSION_STORE_UNAVAILABLE. */
  close(): Promise<void>;
}

/** Store.sync: get and getAndSet with the Store contract, but synchronous. */
export interface SyncStoreAccess<D extends object = StoredData> {
  getSync(id: string): D | undefined;
  getAndSetSync(
    id: string,
    fn: (current: D | undefined) => D | undefined,
    ttlMs: number,
  ): D | undefined;
}
