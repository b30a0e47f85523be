import type { Session, SessionData } from '@fastmmap/session-core';

/** A node-style callback, as express-session-era code (passport) passes them. */
export type SessionCallback = (err?: unknown) => void;

/**
 * The methods of `req.session`: the `Session` API, where the ones express-session also has
 * take an optional callback. Without one they return a Promise, as in every adapter.
 */
export interface ExpressSessionApi<D extends object = SessionData> extends Session<D> {
  /** New id, same data, same `req.session` object. */
  regenerate(): Promise<void>;
  /**
   * express-session's semantics: new id, EMPTY data, a new `req.session` object (the old one
   * keeps the old data, which is what passport's `keepSessionInfo` copies back).
   */
  regenerate(callback: SessionCallback): void;
  destroy(): Promise<void>;
  destroy(callback: SessionCallback): void;
  /** Commits now (the response then writes only what changed since). */
  save(): Promise<void>;
  save(callback: SessionCallback): void;
  /** Drops this request's unsaved changes and reads the session back from the store. */
  reload(): Promise<void>;
  reload(callback: SessionCallback): void;
  /**
   * Extend the expiry at commit even when nothing changed (the callback runs next tick).
   * Returns `req.session`, for express-session's chaining.
   */
  touch(callback?: SessionCallback): this;
  /** express-session's name for the same thing: the cookie's lifetime restarts at commit. */
  resetMaxAge(): this;
}

/**
 * `req.session`: the API above, plus every other property name read, written or deleted on
 * `req.session.data` (express-session style: `req.session.views = 1`). A data key named like
 * an API member (`id`, `data`, `destroy`...) is reachable only through `req.session.data`.
 */
export type ExpressSession<D extends object = SessionData> = ExpressSessionApi<D> &
  Omit<D, keyof ExpressSessionApi<D>>;
