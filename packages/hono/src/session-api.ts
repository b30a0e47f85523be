import type { Session, SessionData } from '@fastmmap/session-core';
import { getSetMembers } from '@fastmmap/session-core/adapter';

/**
 * `c.get('session')`: the Session, plus hono-sessions' names for the same things, so code
 * written for it keeps working: `get`/`set`/`forget` on the data and `deleteSession()`.
 */
export interface HonoSession<D extends object = SessionData> extends Session<D> {
  /** `data[key]`. */
  get<K extends keyof D & string>(key: K): D[K] | undefined;
  /** `data[key] = value`. */
  set<K extends keyof D & string>(key: K, value: D[K] | undefined): void;
  /** `delete data[key]`. */
  forget(key: keyof D & string): void;
  /** `destroy()`, which the commit at the end of the request waits for. */
  deleteSession(): void;
}

/** destroy()s started by deleteSession(), for the middleware to await before its commit. */
const deletes = new WeakMap<Session, Promise<void>>();

/** The destroy deleteSession() started on `session`, if any: a failure fails the request. */
export function pendingDelete(session: Session): Promise<void> | undefined {
  return deletes.get(session);
}

/** The members c.get('session') adds to the Session, run with the session itself as `this`. */
export const honoSessionMembers = {
  ...getSetMembers,
  forget(this: Session, key: string): void {
    delete (this.data as Record<string, unknown>)[key];
  },
  deleteSession(this: Session): void {
    // Gone at once for this request's code, as hono-sessions' is; the store follows.
    this.data = {};
    const destroying = this.destroy();
    // The middleware awaits it (a failure goes to app.onError); until then, not unhandled.
    destroying.catch(() => {});
    deletes.set(this, destroying);
  },
};
