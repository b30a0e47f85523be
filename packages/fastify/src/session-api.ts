import { type Session, type SessionData, SessionError } from '@fastmmap/session-core';
import {
  getSetMembers,
  type NodeCallback,
  settleWithCallback,
} from '@fastmmap/session-core/adapter';
import { clientSafe } from './client-safe-error.js';

/** A node-style callback, as @fastify/session's methods take them. */
export type SessionCallback = NodeCallback;

type Data = Record<string, unknown>;

/**
 * settleWithCallback with the client-safe error (see clientSafe): a callback gets the error
 * the guard would give a promise, and @fastify/session-style code often replies with it.
 */
function settle(promise: Promise<unknown>, callback: unknown): Promise<void> | undefined {
  const safe = promise.then(
    () => undefined,
    (err: unknown) => {
      throw clientSafe(err);
    },
  );
  return settleWithCallback(safe, callback);
}

/**
 * `request.session`: the Session API plus @fastify/session's, so code and plugins written for
 * it (@fastify/passport among them) work: `get`/`set`, `sessionId`, `save`, `options`, and
 * node-style callbacks on `regenerate`, `destroy` and `save`. Without a callback the methods
 * return a Promise, as @fastify/session's do.
 */
export interface FastifySession<D extends object = SessionData> extends Session<D> {
  /** @fastify/session's name for `id`. */
  readonly sessionId: string;
  /** `data[key]`. */
  get<K extends keyof D & string>(key: K): D[K] | undefined;
  /** `data[key] = value`. */
  set<K extends keyof D & string>(key: K, value: D[K] | undefined): void;
  /**
   * @fastify/session's: a new id (the old one stops working) and empty data, or of the data
   * only the listed keys. To keep all of it: `regenerate(Object.keys(request.session.data))`.
   */
  regenerate(keys?: readonly string[]): Promise<void>;
  regenerate(callback: SessionCallback): void;
  regenerate(keys: readonly string[], callback: SessionCallback): void;
  destroy(): Promise<void>;
  destroy(callback: SessionCallback): void;
  /** Commits now (the reply then writes only what changed since). */
  save(): Promise<void>;
  save(callback: SessionCallback): void;
  /** @fastify/session's per-session cookie options: only `maxAge` is per session here. */
  options(options: { maxAge?: number | null }): void;
}

/**
 * `request.session` as typed for the app: the API above, plus every other property name read,
 * written or deleted on `data`, as with @fastify/session (`request.session.user = ...`). A data
 * key named like an API member (`id`, `get`, `save`...) is reachable only through `data`.
 */
export type FastifySessionView<D extends object = SessionData> = FastifySession<D> &
  Omit<D, keyof FastifySession<D>>;

/** @fastify/session's regenerate: new id, and of the data only `keep` (none: empty). */
async function regenerateKeeping(session: Session, keep: readonly string[]): Promise<void> {
  const before = session.data as Data;
  await session.regenerate();
  const kept: Data = {};
  for (const key of keep) if (Object.hasOwn(before, key)) kept[key] = before[key];
  session.data = kept;
}

/** What the last save() of a session failed with, until one succeeds. */
const saves = new WeakMap<Session, unknown>();

/** The plugin's way to the Session behind `request.session`. */
export const RAW_SESSION = Symbol('@fastmmap/fastify session');

/** The Session behind a `request.session` view (anything else: undefined). */
function rawOf(view: object): Session | undefined {
  return (view as { [RAW_SESSION]?: Session })[RAW_SESSION];
}

/** The Session behind a `request.session` view, or the session itself if it is not one. */
export function loadedSession(view: Session<object>): Session<object> {
  return rawOf(view) ?? view;
}

/** What `request.session`'s last save() failed with (the app had it), if it did. */
export function failedSave(session: object): unknown {
  const raw = rawOf(session);
  return raw === undefined ? undefined : saves.get(raw);
}

/**
 * The members `request.session` adds to the Session (see FastifySession). The guard runs them
 * with the session itself as `this`, so `this.regenerate()` is the Session's own.
 */
export const fastifySessionMembers = {
  get sessionId(): string {
    return (this as unknown as Session).id;
  },
  ...getSetMembers,
  // @fastify/session's semantics, not the core Session's (which keeps the data): code written
  // for it logs out with regenerate() (@fastify/passport does) and expects the data gone.
  regenerate(this: Session, keys?: unknown, callback?: unknown): Promise<void> | undefined {
    const done = typeof keys === 'function' ? keys : callback;
    if (keys !== undefined && typeof keys !== 'function' && !Array.isArray(keys)) {
      throw new SessionError(
        'ERR_SESSION_OPTIONS',
        'request.session.regenerate(keys, callback): keys must be an array of data keys to keep',
      );
    }
    return settle(regenerateKeeping(this, Array.isArray(keys) ? keys : []), done);
  },
  destroy(this: Session, callback?: unknown): Promise<void> | undefined {
    return settle(this.destroy(), callback);
  },
  save(this: Session, callback?: unknown): Promise<void> | undefined {
    const saving = this.commit().then(
      () => saves.delete(this),
      (err: unknown) => {
        saves.set(this, err);
        throw err;
      },
    );
    return settle(saving, callback);
  },
  /** The Session itself, for the plugin (reached through the guard, which keys see). */
  get [RAW_SESSION](): Session {
    return this as unknown as Session;
  },
  options(this: Session, options: unknown): void {
    if (options === null || typeof options !== 'object') {
      throw new SessionError('ERR_SESSION_OPTIONS', 'request.session.options() takes an object');
    }
    const given = options as Data;
    for (const key of Object.keys(given)) {
      if (key !== 'maxAge') {
        throw new SessionError(
          'ERR_SESSION_OPTIONS',
          `request.session.options({ ${key} }): only maxAge is per session; set ${key} in the cookie option`,
        );
      }
    }
    if (Object.hasOwn(given, 'maxAge')) this.maxAge = given.maxAge as number | null | undefined;
  },
};
