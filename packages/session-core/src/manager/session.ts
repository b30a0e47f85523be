import { type InspectOptions, inspect } from 'node:util';
import { SessionError } from '../errors.js';
import type { Store, StoredData, SyncStoreAccess } from '../store/types.js';
import { isPlainObject } from '../store/validate.js';
import {
  applyChanges,
  type Changes,
  diffSnapshot,
  EMPTY_SNAPSHOT,
  hasChanges,
  type Snapshot,
  takeSnapshot,
} from './changes.js';
import { CookiePlanner } from './cookie-planner.js';
import type { CookieSerializer } from './cookies.js';
import { codeOf, type FailedOperation, type FailureCounts } from './failures.js';
import { FlashBox } from './flash.js';
import { newSessionId } from './id.js';
import { type ResolvedOptions, recordTtl } from './options.js';
import {
  buildRecord,
  isTombstone,
  openRecord,
  recordMeta,
  type SessionMeta,
  tombstone,
  updateRecord,
} from './record.js';
import { refuseNewProperties } from './refuse-new-properties.js';
import {
  newTombstoneMark,
  type RegenerateUndo,
  undoRegenerate,
  withoutMark,
  withoutUndo,
} from './regenerate-undo.js';
import { SessionCookie } from './session-cookie.js';
import { type SigningKey, signId } from './signing.js';
import type { RequestInfo, Session } from './types.js';

/** What every session of one manager shares (one object per manager). */
export interface SessionContext {
  options: ResolvedOptions;
  store: Store;
  /** The store's synchronous access (Store.sync), if it has one: commits finish in the call. */
  sync: SyncStoreAccess | undefined;
  cookies: CookieSerializer;
  /** The secrets as HMAC keys; the first signs. */
  keys: readonly SigningKey[];
  /** The manager's counters of failed commits, regenerates and destroys. */
  failures: FailureCounts;
}

export interface SessionInit {
  id: string;
  isNew: boolean;
  /** A record for this id is expected in the store (loaded, or written by a commit). */
  persisted: boolean;
  data: Record<string, unknown>;
  meta: SessionMeta;
  /** The cookie was signed with an older secret: send it again signed with the first. */
  resign: boolean;
  /** The incoming cookie value when it verified with the first secret: reused, not re-signed. */
  signedValue: string | undefined;
  /** What the adapter passed to load(): `secure` is read when a cookie is first built. */
  request: RequestInfo | undefined;
  /**
   * A new session for a cookie that named an id a login (regenerate()) killed seconds ago: the
   * request left the browser before that login answered. Its cookie would replace the one
   * that response set (a login undone), so it stores nothing and sends none, unless it calls
   * regenerate() itself.
   */
  superseded: boolean;
}

interface CommitPlan {
  now: number;
  changes: Changes;
  /** The snapshot once these changes are written. */
  next: Snapshot;
  write: boolean;
  touch: boolean;
}

/** One request's session. Created by `SessionManager.load`; see `Session` for the contract. */
export class ManagedSession implements Session<Record<string, unknown>> {
  readonly isNew: boolean;
  readonly #ctx: SessionContext;
  readonly #request: RequestInfo | undefined;
  /** The request came over HTTPS: read from #request on first need (Express computes it). */
  #secure: boolean | undefined;
  #id: string;
  #persisted: boolean;
  #data: Record<string, unknown>;
  #snapshot: Snapshot;
  #meta: SessionMeta;
  /** Created on first use: most requests neither read nor queue flash messages. */
  #flashBox: FlashBox | undefined;
  /** Which Set-Cookie each commit sends (and what the record keeps about it). */
  readonly #cookies: CookiePlanner;
  /** The cookie value for the id #signedId (HMACs are the costliest part of a cookie). */
  #signedId: string | undefined;
  #signedValue = '';
  #mustCreate = false;
  #touchRequested = false;
  /** session.cookie, made on first use (code written for express-session reads it). */
  #cookie: SessionCookie | undefined;
  #destroyed = false;
  /**
   * The record vanished or was tombstoned under us (or just before our load: see
   * SessionInit.superseded): nothing more is written, no cookie sent.
   */
  #lost = false;
  /** regenerate() killed a live old id and the new one is not written yet (see #writeOrUndo). */
  #undo: RegenerateUndo | undefined;
  /** An old id an undo brought back: it dies once the new id is written, or on destroy(). */
  #revived: string | undefined;
  /** The last serial task (commit, regenerate, destroy), failed or not; none yet: undefined. */
  #chain: Promise<unknown> | undefined;
  /** Serial tasks not yet settled: with none, commitNow() may finish in the call again. */
  #pending = 0;
  /**
   * The code of a commit that failed with none succeeding since: a retry failing with it is
   * not counted again; one failing with another code (an outage after a refusal) is.
   */
  #commitFailing: string | undefined;

  constructor(ctx: SessionContext, init: SessionInit) {
    this.#ctx = ctx;
    this.#request = init.request;
    this.#id = init.id;
    this.isNew = init.isNew;
    this.#persisted = init.persisted;
    this.#data = init.data;
    this.#snapshot = takeSnapshot(init.data);
    this.#meta = init.meta;
    if (init.meta.flash !== undefined) {
      this.#flashBox = new FlashBox(init.meta.flash, init.meta.flashTaken);
    }
    this.#cookies = new CookiePlanner(ctx.options, init.resign);
    this.#lost = init.superseded;
    if (init.signedValue !== undefined) {
      this.#signedId = init.id;
      this.#signedValue = init.signedValue;
    }
    // `session.user = ...` (the koa-session and @fastify/session habit) would be silently
    // lost, since data lives in session.data: it throws instead (see refuseNewProperties).
    Object.preventExtensions(this);
  }

  get id(): string {
    return this.#id;
  }

  get data(): Record<string, unknown> {
    return this.#data;
  }

  set data(value: Record<string, unknown>) {
    // A Map, Date or class instance would be diffed as an object without keys: every stored
    // key would be deleted at commit.
    if (!isPlainObject(value)) {
      throw new SessionError(
        'ERR_SESSION_UNSUPPORTED_DATA',
        'session.data must be a plain object (created by {} or Object.create(null))',
      );
    }
    this.#data = value;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get maxAge(): number | null {
    return this.#cookies.maxAge(this.#meta);
  }

  set maxAge(value: number | null | undefined) {
    if (this.#destroyed) {
      throw new SessionError('ERR_SESSION_DESTROYED', 'maxAge set on a destroyed session');
    }
    this.#cookies.setMaxAge(value);
  }

  get cookie(): SessionCookie {
    const { options } = this.#ctx;
    this.#cookie ??= new SessionCookie(this, options.cookie, this.#requestSecure(), options.clock);
    return this.#cookie;
  }

  touch(): void {
    this.#touchRequested = true;
  }

  /** JSON.stringify(session) gives the data (Fastify's reply.send(session), Hono's c.json). */
  toJSON(): Record<string, unknown> {
    return this.data;
  }

  // console.log(session) shows the data, as koa-session's and express-session's do, and not
  // the id: logs are no place for a bearer credential. Node calls it with an adapter's Proxy
  // as `this`, so only public members are used.
  [inspect.custom](_depth: number, options: InspectOptions): string {
    const state = this.destroyed ? 'destroyed' : this.isNew ? 'new' : 'loaded';
    return `Session (${state}) ${inspect(this.data, options)}`;
  }

  flash(key: string, value: unknown): number {
    if (this.#destroyed) {
      throw new SessionError('ERR_SESSION_DESTROYED', 'flash() on a destroyed session');
    }
    return this.#flash().add(key, value);
  }

  flashes<T = unknown>(key: string): T[];
  flashes<T = unknown>(): Record<string, T[]>;
  flashes(key?: string): unknown[] | Record<string, unknown[]> {
    if (key === undefined) return this.#destroyed ? {} : this.#flash().takeAll();
    return this.#destroyed ? [] : this.#flash().take(key);
  }

  regenerate(): Promise<void> {
    return this.#serial('regenerate', async () => {
      if (this.#destroyed) {
        throw new SessionError('ERR_SESSION_DESTROYED', 'regenerate() on a destroyed session');
      }
      const { options, store } = this.#ctx;
      const oldId = this.#id;
      const newId = newSessionId(options.genid);
      let current: StoredData | undefined;
      const mark = newTombstoneMark();
      // Data no store can keep (a function, a Promise missing its await) is refused before
      // the old id dies, not after: the session keeps its id and nothing is half-done.
      diffSnapshot(this.#snapshot, this.#data);
      // Kill the old id first, atomically reading what it held: if this fails, the session
      // keeps its id and nothing is half-done.
      if (this.#persisted) {
        await store.getAndSet(
          oldId,
          (stored) => {
            current = stored;
            return tombstone(options.clock(), mark);
          },
          options.tombstoneTtl,
        );
      }
      const opened = openRecord(current, options.clock());
      const undo: RegenerateUndo | undefined =
        opened === undefined || current === undefined
          ? undefined
          : { id: oldId, record: current, mark, ttl: recordTtl(options, opened.meta.maxAge) };
      // A loaded session whose record is gone or tombstoned (logged out or revoked since our
      // load) is not brought back under the new id: only this request's own changes move.
      const lost = this.#persisted && opened === undefined;
      try {
        if (opened !== undefined || lost) this.#mergeForNewId(opened?.data ?? {});
      } catch (err) {
        // Data made unstorable during the kill, or that cannot be updated in place: nothing is
        // stored under the new id, so the old record goes back and the session keeps its id.
        if (undo !== undefined) await undoRegenerate(store, undo);
        throw err;
      }
      if (undo !== undefined) this.#undo = undo;
      this.#flash().carryOver(lost ? {} : opened?.meta.flash, opened?.meta.flashTaken);
      // A new id starts a new absolute lifetime (regenerate is what a login does).
      this.#meta = {
        ...this.#meta,
        created: options.clock(),
        // What is stored now: another request may have set a lifetime since our load.
        maxAge: opened === undefined ? this.#meta.maxAge : opened.meta.maxAge,
      };
      this.#id = newId;
      this.#persisted = false;
      this.#lost = false;
      this.#mustCreate = true;
      this.#snapshot = EMPTY_SNAPSHOT;
      this.#cookies.regenerated();
    });
  }

  /**
   * For regenerate(): `data` becomes what commit would have written, the stored data (with
   * other requests' changes since our load) plus ours. Updated in place: callers may hold it.
   */
  #mergeForNewId(stored: Record<string, unknown>): void {
    const merged = applyChanges(stored, diffSnapshot(this.#snapshot, this.#data).changes);
    // Frozen or sealed data, or data with a read-only property, cannot take the merge in
    // place (a TypeError, after part of it was done): replaced. A reference the app holds
    // keeps the old object, which it closed to changes itself.
    if (!mergeableInPlace(this.#data)) {
      this.#data = merged;
      return;
    }
    // Own keys only: `in` would find `constructor` or `toString` on Object.prototype and
    // keep a key of that name that a logout or another request removed.
    for (const key of Object.keys(this.#data)) {
      if (!Object.hasOwn(merged, key)) delete this.#data[key];
    }
    Object.assign(this.#data, merged);
  }

  destroy(): Promise<void> {
    return this.#serial('destroy', async () => {
      if (this.#destroyed) return;
      const { options, store } = this.#ctx;
      // A tombstone, not a delete: a request that loaded the session earlier and commits later
      // finds it in getAndSet and does not bring the session back. Read as it is written: an id
      // a concurrent login or logout killed since our load keeps its tombstone (a login's still
      // holds its late requests back, but can no longer be undone) and gets no clearing cookie
      // (see #destroyedCookies).
      if (this.#persisted) {
        const now = options.clock();
        let dead = false;
        await store.getAndSet(
          this.#id,
          (current) => {
            dead = isTombstone(current);
            return dead ? withoutUndo(current!) : tombstone(now);
          },
          options.tombstoneTtl,
        );
        if (dead) this.#lost = true;
      }
      await this.#killRevived();
      this.#destroyed = true;
      this.#data = {};
      this.#snapshot = EMPTY_SNAPSHOT;
    });
  }

  cookieHeaders(): string[] {
    // Not for a destroy still under way: if it failed, a browser told to drop its cookie could
    // not log out again while the session lives on. Until it is done the cookie is left alone
    // (once it is, the tombstone refuses it).
    if (this.#destroyed) return this.#destroyedCookies();
    if (this.#lost) return [];
    return this.#plannedHeaders(this.#plan());
  }

  #plannedHeaders(plan: CommitPlan): string[] {
    return this.#cookieDue(plan) ? [this.#sessionCookie(plan.now)] : [];
  }

  commit(): Promise<string[]> {
    return this.#serial('commit', () => this.#commitNow());
  }

  /**
   * commit() for adapters: the cookies themselves when the commit could finish in the call
   * (a synchronous store, nothing queued before it), else commit()'s promise.
   */
  commitNow(): string[] | Promise<string[]> {
    if (this.#pending > 0 || this.#ctx.sync === undefined) return this.commit();
    try {
      const committed = this.#commitNow();
      if (!(committed instanceof Promise)) {
        this.#commitFailing = undefined;
        return committed;
      }
      // A sync store's commit that still waits (an undo's revived id killed first): as commit().
      return committed.then(
        (cookies) => {
          this.#commitFailing = undefined;
          return cookies;
        },
        (err: unknown) => {
          this.#countFailure('commit', err);
          throw err;
        },
      );
    } catch (err) {
      this.#countFailure('commit', err);
      return Promise.reject(err);
    }
  }

  // Runs inside #serial (a throw becomes the commit's rejection). Plain promise steps rather
  // than async functions: two promises and their resumptions fewer on every commit.
  #commitNow(): string[] | Promise<string[]> {
    // An old id an undo revived, whose kill failed after the new id was written: again first.
    if (this.#revived !== undefined && this.#persisted) {
      return this.#killRevived().then(() => this.#commitNow());
    }
    if (this.#destroyed) return this.#destroyedCookies();
    if (this.#lost) return [];
    const plan = this.#plan();
    const headers = this.#cookieDue(plan) ? [this.#sessionCookie(plan.now)] : [];
    if (plan.write) {
      return this.#undo === undefined && this.#revived === undefined
        ? this.#write(plan, headers)
        : this.#writeOrUndo(plan, headers);
    }
    if (plan.touch) return this.#touchRecord(plan.now, headers);
    // A cookie with no write or touch (rolling, or a re-signed cookie): the record may have
    // been destroyed or regenerated by a concurrent request since our load (#confirm).
    if (headers.length > 0 && this.#persisted) return this.#confirm(plan.now, headers);
    return this.#sent(headers);
  }

  /**
   * Reads the record before a cookie is sent that no write or touch of this commit checked:
   * a cookie for an id a concurrent request destroyed or regenerated would log the browser
   * out (the last response to arrive sets the cookie), and one made with a lifetime another
   * request has since changed would undo that change in the browser.
   */
  #confirm(now: number, headers: string[]): string[] | Promise<string[]> {
    const assumedMaxAge = this.#ownMaxAge();
    const check = (stored: StoredData | undefined): string[] => {
      const opened = openRecord(stored, now);
      if (opened === undefined) {
        this.#lost = true;
        return [];
      }
      if (!this.#cookies.maxAgeSet && opened.meta.maxAge !== assumedMaxAge) {
        this.#meta = { ...this.#meta, maxAge: opened.meta.maxAge };
        return this.#sent([this.#sessionCookie(now)]);
      }
      return this.#sent(headers);
    };
    const { store, sync } = this.#ctx;
    if (sync !== undefined) return check(sync.getSync(this.#id));
    return store.get(this.#id).then(check);
  }

  /** What a commit that got this far returns: its cookies, none if the record was lost. */
  #sent(headers: string[]): string[] {
    if (this.#lost) return [];
    this.#cookies.sending(headers);
    return headers;
  }

  #plan(now = this.#ctx.options.clock()): CommitPlan {
    const { options } = this.#ctx;
    const { changes, next } = diffSnapshot(this.#snapshot, this.#data);
    const write =
      hasChanges(changes) ||
      (this.#persisted && this.#cookies.maxAgeChanged(this.#meta)) ||
      this.#flashBox?.changed === true ||
      this.#mustCreate ||
      (!this.#persisted && options.saveUninitialized);
    const touch =
      !write &&
      this.#persisted &&
      (this.#touchRequested || this.#cookies.touchDue(now, this.#meta));
    return { now, changes, next, write, touch };
  }

  #cookieDue(plan: CommitPlan): boolean {
    return this.#cookies.cookieDue(plan, this.#persisted, this.#touchRequested, this.#meta);
  }

  #write(plan: CommitPlan, headers: string[]): string[] | Promise<string[]> {
    const expectExisting = this.#persisted;
    // The lifetime this write's ttl and cookie use (see #update).
    const assumedMaxAge = this.#ownMaxAge();
    const sendsCookie = headers.length > 0;
    const cookies = this.#cookies;
    const lifetimeUnsent = cookies.lifetimeUnsent(this.#meta);
    let dead = false;
    let written: SessionMeta | undefined;
    // A lifetime another request could not send (loaded before it was set): this one sends it.
    let owed = false;
    const update = (current: StoredData | undefined): StoredData | undefined => {
      owed = false;
      if (current !== undefined && isTombstone(current)) {
        dead = true;
        // A request that deleted keys (a logout that way) keeps regenerate()'s undo from
        // bringing them back; other dropped writes leave it be.
        return plan.changes.deleted.length > 0 ? withoutMark(current, plan.now) : current;
      }
      // Deleted behind our back (logout elsewhere, admin purge): do not resurrect it.
      if (current === undefined && expectExisting) {
        dead = true;
        return undefined;
      }
      const stored = current === undefined ? undefined : recordMeta(current, plan.now);
      owed = stored !== undefined && cookies.takesOwedCookie(headers, stored);
      const flash =
        this.#flashBox === undefined
          ? { flash: FlashBox.kept(stored?.flash), taken: stored?.flashTaken }
          : this.#flashBox.apply(stored?.flash, stored?.flashTaken);
      const meta: SessionMeta = {
        // This request's setting, else the stored one (another request may have set it).
        maxAge: cookies.ownMaxAge(stored ?? this.#meta),
        created: stored?.created ?? this.#meta.created,
        touched: cookies.touchedByWrite(lifetimeUnsent, sendsCookie, plan.now, stored, this.#meta),
        cookieAt: cookies.cookieAtByWrite(
          lifetimeUnsent,
          sendsCookie || owed,
          plan.now,
          stored,
          this.#meta,
        ),
        flash: flash.flash,
        flashTaken: flash.taken,
      };
      written = meta;
      return updateRecord(current, plan.changes, meta);
    };
    const done = (): string[] | Promise<string[]> => {
      if (dead || written === undefined) {
        this.#lost = true;
        return [];
      }
      this.#persisted = true;
      this.#mustCreate = false;
      this.#touchRequested = false;
      this.#cookies.stored();
      this.#meta = written;
      this.#snapshot = plan.next;
      this.#flashBox?.rebase(written.flash, written.flashTaken);
      // Made now: the stored lifetime, which another request may have changed.
      const sent = owed || headers.length > 0 ? [this.#sessionCookie(plan.now)] : [];
      if (written.maxAge !== assumedMaxAge) {
        // Another request set a new maxAge after our load: the record is touched again with
        // its ttl, and a cookie we send carries it.
        return this.#touchRecord(plan.now, sent);
      }
      return this.#sent(owed ? sent : headers);
    };
    return this.#update(update, done);
  }

  /**
   * The first write after regenerate(): if it fails before anything is stored under the new
   * id, the old id's record is put back (see undoRegenerate), then the commit fails as it would.
   * The old id stays marked as revived: a later commit that does write the new id, or a
   * destroy(), kills it again, so that two ids never stay live for one session.
   */
  #writeOrUndo(plan: CommitPlan, headers: string[]): string[] | Promise<string[]> {
    const undo = this.#undo;
    this.#undo = undefined;
    const failed = async (err: unknown): Promise<never> => {
      if (!this.#persisted && undo !== undefined) {
        await undoRegenerate(this.#ctx.store, undo);
        this.#revived = undo.id;
      }
      throw err;
    };
    const succeeded = async (cookies: string[]): Promise<string[]> => {
      if (this.#persisted) await this.#killRevived();
      return cookies;
    };
    try {
      const written = this.#write(plan, headers);
      if (written instanceof Promise) return written.then(succeeded, failed);
      return this.#revived === undefined ? written : succeeded(written);
    } catch (err) {
      return failed(err);
    }
  }

  /** The old id an undo revived, once this session has a new id stored or is destroyed. */
  async #killRevived(): Promise<void> {
    const revived = this.#revived;
    if (revived === undefined) return;
    const { options, store } = this.#ctx;
    await store.store(revived, tombstone(options.clock()), options.tombstoneTtl);
    this.#revived = undefined;
  }

  #touchRecord(now: number, headers: string[]): string[] | Promise<string[]> {
    const assumedMaxAge = this.#ownMaxAge();
    const cookies = this.#cookies;
    let dead = false;
    let touched = now;
    let cookieAt: number | undefined;
    let storedMaxAge: number | null | undefined;
    // As in #write: a lifetime another request could not send, this one sends.
    let owed = false;
    const update = (current: StoredData | undefined): StoredData | undefined => {
      const opened = openRecord(current, now);
      if (opened === undefined) {
        dead = true;
        return current;
      }
      touched = cookies.touchedByTouch(headers, now, opened.meta);
      owed = cookies.takesOwedCookie(headers, opened.meta);
      cookieAt = cookies.cookieAtByTouch(headers.length > 0 || owed, now, opened.meta);
      storedMaxAge = opened.meta.maxAge;
      return buildRecord(opened.data, { ...opened.meta, touched, cookieAt });
    };
    const done = (): string[] | Promise<string[]> => {
      if (dead) {
        this.#lost = true;
        return [];
      }
      this.#meta = { ...this.#meta, touched, cookieAt, maxAge: storedMaxAge };
      this.#touchRequested = false;
      // A touch means this request changed no maxAge (an equal one set counts as none).
      this.#cookies.stored();
      const sent = owed || headers.length > 0 ? [this.#sessionCookie(now)] : [];
      if (storedMaxAge !== assumedMaxAge) {
        // Another request set a new maxAge after our load: again, with its ttl (see #write).
        return this.#touchRecord(now, sent);
      }
      return this.#sent(owed ? sent : headers);
    };
    return this.#update(update, done);
  }

  /** getAndSet of this session's record, then `done`: in the call when the store is synchronous. */
  #update(
    update: (current: StoredData | undefined) => StoredData | undefined,
    done: () => string[] | Promise<string[]>,
  ): string[] | Promise<string[]> {
    const { options, store, sync } = this.#ctx;
    // The session's own lifetime, else the manager's ttl (see recordTtl).
    // As this request knows it: a write that finds another request's new maxAge stored
    // touches the record again with it (see #write).
    const ttl = recordTtl(options, this.#ownMaxAge());
    if (sync !== undefined) {
      sync.getAndSetSync(this.#id, update, ttl);
      return done();
    }
    return store.getAndSet(this.#id, update, ttl).then(done);
  }

  /** The session's own maxAge (set by this request, else stored): undefined if it has none. */
  #ownMaxAge(): number | null | undefined {
    return this.#cookies.ownMaxAge(this.#meta);
  }

  #sessionCookie(now: number): string {
    const { cookies, keys } = this.#ctx;
    if (this.#signedId !== this.#id) {
      this.#signedValue = signId(this.#id, keys[0]!);
      this.#signedId = this.#id;
    }
    return cookies.session(this.#signedValue, this.#requestSecure(), now, this.maxAge);
  }

  /**
   * A destroyed session's cookies: the clearing one, unless its id was already dead (killed by
   * a concurrent login, say, or the old cookie of a superseded session). The browser then holds
   * the login's cookie or soon will, and a clearing cookie arriving after it would log it out.
   */
  #destroyedCookies(): string[] {
    return this.#lost ? [] : [this.#clearingCookie()];
  }

  #clearingCookie(): string {
    return this.#ctx.cookies.clearing(this.#requestSecure());
  }

  #requestSecure(): boolean {
    this.#secure ??= this.#request?.secure === true;
    return this.#secure;
  }

  /** The flash messages as loaded or last written (what a new FlashBox starts from). */
  #flash(): FlashBox {
    this.#flashBox ??= new FlashBox(this.#meta.flash, this.#meta.flashTaken);
    return this.#flashBox;
  }

  // Commit, regenerate and destroy run one at a time, in call order. The task runs whether
  // the previous one failed or not (it ignores its argument), so no catch() link is needed.
  // The first task starts at once: most sessions see one commit, which so saves a promise,
  // a microtask, and the two more that resolving a then() with a promise costs.
  #serial<T>(operation: FailedOperation, task: () => T | PromiseLike<T>): Promise<T> {
    let run: Promise<T>;
    if (this.#chain === undefined) {
      try {
        run = Promise.resolve(task());
      } catch (err) {
        run = Promise.reject(err);
      }
    } else {
      run = this.#chain.then(task, task);
    }
    this.#chain = run;
    // Registered first, so it runs before the caller's await resumes: a commit the caller
    // starts next (an adapter's, after `await regenerate()`) can finish in the call.
    this.#pending++;
    const settled = () => {
      this.#pending--;
      if (operation === 'commit') this.#commitFailing = undefined;
    };
    // The failure is the caller's to answer; counted here, on the reaction every task has.
    const failed = (err: unknown) => {
      this.#pending--;
      this.#countFailure(operation, err);
    };
    run.then(settled, failed);
    return run;
  }

  // Counts per failed request, not per store call: a commit retried after it failed (Express's
  // end() after the streamed headers' commit, or after a failed save()) counts once, until
  // one succeeds. A long-lived session (socket.io's) counts each outage it meets, and an
  // outage after a failure of another kind (data refused): else the outage series stays at 0.
  #countFailure(operation: FailedOperation, err: unknown): void {
    if (operation === 'commit') {
      const code = codeOf(err);
      if (this.#commitFailing === code) return;
      this.#commitFailing = code;
    }
    this.#ctx.failures.add(operation, err);
  }

  /**
   * For commitWithoutCookies: marks a session from manager.load() cookieless and says true, or
   * says false for anything else (an adapter's view, a Proxy: no private fields to set).
   * Static, so that sessions show no such member.
   */
  static markCookieless(session: unknown, plannedLost = false): boolean {
    if (!ManagedSession.isManaged(session)) return false;
    session.#cookies.markCookieless(plannedLost, session.#persisted);
    return true;
  }

  /** See lifetimeSetHere(): true for anything else, which cannot tell. */
  static lifetimeSet(session: unknown): boolean {
    return !ManagedSession.isManaged(session) || session.#cookies.lifetimeSet;
  }

  /** See idStored(): false for anything else, which cannot tell. */
  static idStored(session: unknown): boolean {
    return ManagedSession.isManaged(session) && session.#persisted;
  }

  /** See unconfirmedRefresh(). */
  static unconfirmedRefresh(session: unknown): boolean {
    if (!ManagedSession.isManaged(session)) return false;
    // Finishing in the call, the commit confirms its cookie before the headers take it.
    if (session.#pending === 0 && session.#ctx.sync !== undefined) return false;
    // A refresh already withheld long enough (its touch a second touchAfter overdue) goes out
    // unconfirmed: where the headers always precede the commit (compression() mounted after
    // session() ends every response that way) it would never go, and the session would lapse
    // while in use.
    const now = session.#ctx.options.clock();
    const overdue = session.#cookies.stampAge(now, session.#meta.touched, session.#meta);
    if (overdue >= 2 * session.#cookies.touchAfter(session.#meta)) return false;
    return ManagedSession.refreshOnly(session);
  }

  /** See commitForCache(): the cookie this commit plans would only renew the client's id. */
  static refreshOnly(session: unknown): boolean {
    if (!ManagedSession.isManaged(session) || !session.#refreshesOnly()) return false;
    return session.#refreshPlanned();
  }

  /**
   * plannedCookies(this).length > 0, without the plan's diff of the data (µs per KiB, and
   * Hono asks on every request) when no plan could send a cookie: cookieDue() reads a loaded
   * session's write and touch only to refuse the cookie when both are false, so with both
   * assumed true it says whether any plan could.
   */
  #refreshPlanned(): boolean {
    if (this.#lost) return false;
    const now = this.#ctx.options.clock();
    const anyPlan = { now, write: true, touch: true };
    if (!this.#cookies.cookieDue(anyPlan, this.#persisted, this.#touchRequested, this.#meta)) {
      return false;
    }
    try {
      return this.#plannedHeaders(this.#plan(now)).length > 0;
    } catch {
      // As plannedCookies(): data no store can keep plans nothing; the commit fails with it.
      return false;
    }
  }

  /**
   * A cookie now would only renew the id the client holds: loaded (not new, not regenerated
   * here and not yet written), not sent by an earlier commit of this request (confirmed then),
   * and no lifetime of this request's in it (news the browser needs, not a refresh).
   */
  #refreshesOnly(): boolean {
    return (
      !this.isNew && this.#persisted && !this.#destroyed && this.#cookies.refreshOnly(this.#meta)
    );
  }

  /** A session from manager.load() of this copy of the package (not a view, not a Proxy). */
  static isManaged(session: unknown): session is ManagedSession {
    return typeof session === 'object' && session !== null && #cookies in session;
  }
}

refuseNewProperties(ManagedSession.prototype, 'session');

/** Whether every own property of `data` can be rewritten and deleted, and new ones added. */
function mergeableInPlace(data: object): boolean {
  if (!Object.isExtensible(data)) return false;
  for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(data))) {
    if (
      !descriptor.configurable ||
      (descriptor.set === undefined && descriptor.writable !== true)
    ) {
      return false;
    }
  }
  return true;
}

/**
 * `session.commit()` for adapters: the Set-Cookie values themselves when the commit finished
 * in the call (a synchronous store), else commit()'s promise. Never throws: failures reject.
 */
export function commitNow(session: Session<object>): string[] | Promise<string[]> {
  return session instanceof ManagedSession ? session.commitNow() : session.commit();
}

/**
 * Whether a record under the session's current id is in the store as far as this request
 * knows: loaded, or written by a commit (a save()) of this request. For a new or regenerated
 * id, whether a commit stored it already. False for a session not from manager.load().
 */
export function idStored(session: Session<object>): boolean {
  return ManagedSession.idStored(session);
}
