import { SessionError } from '../errors.js';
import type { FlashMessages, FlashTaken } from './record.js';

/** `record[key]` if it is the record's own: a key such as 'constructor' names no message. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A private copy; most sessions carry no messages, and `{}` needs no structuredClone. */
function copyMessages(messages: FlashMessages | undefined): FlashMessages {
  if (messages === undefined) return {};
  for (const _ in messages) return structuredClone(messages);
  return {};
}

/** What `apply` gives: the queues to store and how many messages each has lost at its head. */
export interface FlashState {
  flash: FlashMessages;
  taken: FlashTaken;
}

/**
 * One request's view of the flash messages: what was loaded, what it added and how many of
 * the loaded ones it consumed. Commit replays the adds and consumptions onto whatever is
 * stored then, so a message queued by a concurrent request is neither lost nor shown twice.
 * A queue only grows at its tail and is read from its head; the record counts the messages
 * read off each queue's head (`taken`), so a consumption is replayed by position: the
 * messages a concurrent request already removed are not removed again, and one queued since
 * is not removed in their place.
 */
export class FlashBox {
  #loaded: FlashMessages;
  /** The `taken` counts as loaded: where our loaded queues start. */
  #loadedTaken: FlashTaken;
  #added: FlashMessages = {};
  #consumed: Record<string, number> = {};

  constructor(loaded: FlashMessages | undefined, taken: FlashTaken | undefined) {
    this.#loaded = copyMessages(loaded);
    this.#loadedTaken = { ...taken };
  }

  /** Queues `value`; returns how many messages under `key` are now unread. */
  add(key: string, value: unknown): number {
    // `queues.__proto__ = [...]` would replace a prototype, not queue a message.
    if (key === '__proto__') {
      throw new SessionError(
        'ERR_SESSION_UNSUPPORTED_DATA',
        'a flash key may not be "__proto__": use another key',
      );
    }
    const queue = own(this.#added, key) ?? [];
    queue.push(value);
    this.#added[key] = queue;
    return (own(this.#loaded, key)?.length ?? 0) + queue.length;
  }

  take(key: string): unknown[] {
    const loaded = own(this.#loaded, key) ?? [];
    const added = own(this.#added, key) ?? [];
    if (loaded.length > 0) this.#consumed[key] = (own(this.#consumed, key) ?? 0) + loaded.length;
    delete this.#loaded[key];
    delete this.#added[key];
    return [...loaded, ...added];
  }

  /** Every message not yet read, by key; all of them count as read. */
  takeAll(): FlashMessages {
    const all: FlashMessages = {};
    for (const key of new Set([...Object.keys(this.#loaded), ...Object.keys(this.#added)])) {
      const messages = this.take(key);
      if (messages.length > 0) all[key] = messages;
    }
    return all;
  }

  get changed(): boolean {
    return Object.keys(this.#added).length > 0 || Object.keys(this.#consumed).length > 0;
  }

  /**
   * What `apply` gives for a request that neither read nor queued a message: the stored
   * messages as they are (without empty queues). Needs no FlashBox.
   */
  static kept(stored: FlashMessages | undefined): FlashMessages {
    const next: FlashMessages = {};
    for (const [key, messages] of Object.entries(stored ?? {})) {
      if (messages.length > 0) next[key] = messages;
    }
    return next;
  }

  /** The stored messages after this request's consumptions and additions. */
  apply(stored: FlashMessages | undefined, storedTaken: FlashTaken | undefined): FlashState {
    const flash: FlashMessages = {};
    const taken: FlashTaken = { ...storedTaken };
    for (const [key, messages] of Object.entries(stored ?? {})) {
      const consumed = own(this.#consumed, key) ?? 0;
      // Our consumption ends at this position of the queue's history; the stored queue
      // starts at `before`: remove what lies between, none if others removed it already.
      // A count we loaded but that is no longer stored was dropped by a writer that keeps
      // none (a worker still on an earlier version): the queue is taken to start where ours
      // did, as that writer would, rather than at 0 (which would remove messages queued since).
      const before = own(storedTaken, key) ?? own(this.#loadedTaken, key) ?? 0;
      const end = (own(this.#loadedTaken, key) ?? 0) + consumed;
      const removed = Math.min(messages.length, Math.max(0, end - before));
      if (removed > 0) {
        delete taken[key]; // re-added last: the keys run from least to most recently read
        taken[key] = before + removed;
      }
      const rest = removed > 0 ? messages.slice(removed) : messages;
      if (rest.length > 0) flash[key] = rest;
    }
    for (const [key, messages] of Object.entries(this.#added)) {
      flash[key] = [...(own(flash, key) ?? []), ...messages];
    }
    forgetIdleCounts(taken, flash);
    return { flash, taken };
  }

  /** After a successful commit: the stored state is the new baseline. */
  rebase(stored: FlashMessages | undefined, taken: FlashTaken | undefined): void {
    this.#loaded = copyMessages(stored);
    this.#loadedTaken = { ...taken };
    this.#added = {};
    this.#consumed = {};
  }

  /**
   * For regenerate: the new record starts empty, so every unread message becomes an add.
   * `stored` is what the old record held at that moment (concurrent requests' messages too).
   */
  carryOver(stored: FlashMessages | undefined, storedTaken: FlashTaken | undefined): void {
    this.#added = stored === undefined ? this.#unread() : this.apply(stored, storedTaken).flash;
    this.#loaded = {};
    this.#loadedTaken = {};
    this.#consumed = {};
  }

  #unread(): FlashMessages {
    const unread: FlashMessages = {};
    for (const [key, messages] of Object.entries(this.#loaded)) unread[key] = [...messages];
    for (const [key, messages] of Object.entries(this.#added)) {
      unread[key] = [...(own(unread, key) ?? []), ...messages];
    }
    return unread;
  }
}

/**
 * How many read counts of queues that are empty now a record keeps. A request that read such a
 * queue may still commit, and its count keeps it from removing a message queued since; but a
 * session that flashes under ever new keys (`form:<id>`) must not grow without end.
 */
const IDLE_COUNTS_KEPT = 32;

/** Drops the counts of empty queues beyond the IDLE_COUNTS_KEPT most recently read. */
function forgetIdleCounts(taken: FlashTaken, flash: FlashMessages): void {
  const keys = Object.keys(taken);
  let idle = 0;
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    if (!Object.hasOwn(flash, key) && ++idle > IDLE_COUNTS_KEPT) delete taken[key];
  }
}
