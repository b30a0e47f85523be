import type { Session, SessionData } from '@fastmmap/session-core';
import { type NodeCallback, settleWithCallback } from '@fastmmap/session-core/adapter';

/**
 * `ctx.session`'s API: the Session's, plus what koa-session 7 has and passport (through
 * koa-passport) uses: node-style callbacks, `save`, `toJSON`, `populated` and `length`.
 */
export interface KoaSessionApi<D extends object = SessionData> extends Session<D> {
  /** New id, same data; the old id stops working. */
  regenerate(): Promise<void>;
  /** The same, calling back (koa-session 7's form, which passport calls at login and logout). */
  regenerate(callback: NodeCallback): void;
  destroy(): Promise<void>;
  destroy(callback: NodeCallback): void;
  /** Commits now (the response then writes only what changed since). */
  save(): Promise<void>;
  save(callback: NodeCallback): void;
  /** The data, as koa-session's `toJSON()` (`ctx.body = ctx.session`). */
  toJSON(): D;
  /** Whether the data has any key (koa-session's). */
  readonly populated: boolean;
  /** How many keys the data has (koa-session's). */
  readonly length: number;
}

/**
 * `ctx.session`: the API above, plus every other property name read, written or deleted on
 * `ctx.session.data`, as with koa-session (`ctx.session.views = 1`). A data key named like an
 * API member (`id`, `data`, `save`...) is reachable only through `ctx.session.data`.
 */
export type KoaSession<D extends object = SessionData> = KoaSessionApi<D> &
  Omit<D, keyof KoaSessionApi<D>>;

const keyCount = (session: Session) => Object.keys(session.data).length;

/** The members `ctx.session` adds to the Session, run with the session itself as `this`. */
export const koaSessionMembers = {
  // koa-session 7's regenerate keeps the data, callback or not (express-session's empties it).
  regenerate(this: Session, callback?: unknown): Promise<void> | undefined {
    return settleWithCallback(this.regenerate(), callback);
  },
  destroy(this: Session, callback?: unknown): Promise<void> | undefined {
    return settleWithCallback(this.destroy(), callback);
  },
  save(this: Session, callback?: unknown): Promise<void> | undefined {
    return settleWithCallback(this.commit(), callback);
  },
  get populated(): boolean {
    return keyCount(this as unknown as Session) > 0;
  },
  get length(): number {
    return keyCount(this as unknown as Session);
  },
};
