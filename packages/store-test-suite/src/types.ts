import type { Store } from '@fastmmap/session-core';
import type { TestClock } from './clock.js';

export interface StoreFactoryContext {
  /** Give it to the store as its time source: the expiry checks move it by hand. */
  clock: TestClock;
}

/**
 * Returns a fresh, empty store (of any data type: `Store<SessionData>` too). Called once per
 * check; the suite closes it afterwards.
 */
export type StoreFactory = (context: StoreFactoryContext) => Store<object> | Promise<Store<object>>;

export interface CrossProcessOptions {
  /** Absolute path of a plain .mjs/.js module that calls `runConformanceChild(factory)`. */
  childModule: string;
  /** argv for the child, so it opens the same backing store as `store` (e.g. its file path). */
  childArgs?: (store: Store) => string[];
  /** Processes that increment at once. Default 4. */
  processes?: number;
  /** getAndSet increments per process. Default 500. */
  increments?: number;
}

export interface ConformanceOptions {
  /**
   * The largest session (bytes, encoded) the store accepts, or null for a store with no
   * limit: the oversized-data check is then skipped, and its name says why.
   */
  maxSize: number | null;
  /** The store follows the injected clock. Default true; false skips the expiry checks (named so). */
  clock?: boolean;
  /** The backend expires entries by itself, so deleteExpired may report 0. Default false. */
  expiresByItself?: boolean;
  /** The store round-trips Map, Set, bigint and typed arrays (cbor, structured clone). Default false. */
  richTypes?: boolean;
  /** Concurrent in-process getAndSet increments. Default 100. */
  concurrency?: number;
  /** Give it for stores shared between processes: the suite checks atomicity with real processes. */
  crossProcess?: CrossProcessOptions;
  /**
   * The store offers `Store.sync`: every check runs a second time with get and getAndSet
   * answered by getSync and getAndSetSync. Default false.
   */
  sync?: boolean;
}

/** What each check receives. */
export interface CheckEnv {
  store: Store;
  clock: TestClock;
  options: ConformanceOptions;
}

export type Check = (env: CheckEnv) => Promise<void>;
