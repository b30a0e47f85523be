import { type ResolvedOptions, recordTtl, sessionMaxAge } from './options.js';
import { COOKIE_OWED, cookieOwed, type SessionMeta } from './record.js';
import { stampAge } from './stamp-age.js';

/** What cookieDue() reads of a commit's plan (see session.ts's CommitPlan). */
interface PlannedCommit {
  readonly now: number;
  readonly write: boolean;
  readonly touch: boolean;
}

/**
 * Which Set-Cookie a session's commits send, and what its record keeps about that cookie
 * (cookieAt, a touch left due). Holds what one request did that decides it: the lifetime it
 * set, the cookies it sent, a response that can carry none. One per session, made with it.
 * `meta` arguments are the session's stored metadata as last loaded or written.
 */
export class CookiePlanner {
  readonly #options: ResolvedOptions;
  /** The cookie was signed with an older secret: send it again signed with the first. */
  #resign: boolean;
  /** session.maxAge as this request set it (#maxAgeSet), until a commit stores it in meta. */
  #maxAge: number | null | undefined = undefined;
  #maxAgeSet = false;
  /** maxAge was set in this request, committed since or not (see lifetimeSetHere). */
  #lifetimeSet = false;
  /** An earlier commit of this request sent the cookie: later ones send it again. */
  #sent = false;
  /** The response cannot carry a cookie (see commitWithoutCookies): none is planned. */
  #cookieless = false;
  /**
   * A cookie an earlier commit of this request planned (a save()) never went out: the next
   * write or touch leaves it owed, so the next response that can carry a cookie sends it.
   */
  #plannedLost = false;

  constructor(options: ResolvedOptions, resign: boolean) {
    this.#options = options;
    this.#resign = resign;
  }

  /** session.maxAge = value. */
  setMaxAge(value: number | null | undefined): void {
    this.#maxAge = sessionMaxAge(value);
    this.#maxAgeSet = true;
    this.#lifetimeSet = true;
  }

  /** Whether this request set a maxAge not yet written (a later write or touch stores it). */
  get maxAgeSet(): boolean {
    return this.#maxAgeSet;
  }

  /** See lifetimeSetHere(). */
  get lifetimeSet(): boolean {
    return this.#lifetimeSet;
  }

  /** The session's own maxAge (set by this request, else in `meta`): undefined if it has none. */
  ownMaxAge(meta: SessionMeta): number | null | undefined {
    return this.#maxAgeSet ? this.#maxAge : meta.maxAge;
  }

  /** session.maxAge: its own, else the manager's. */
  maxAge(meta: SessionMeta): number | null {
    const own = this.ownMaxAge(meta);
    return own === undefined ? this.#options.cookie.maxAge : own;
  }

  /** This request set a maxAge other than the stored one: write it and send the cookie. */
  maxAgeChanged(meta: SessionMeta): boolean {
    return this.#maxAgeSet && this.#maxAge !== meta.maxAge;
  }

  /** The touch throttle: at most a tenth of the session's own lifetime, so it cannot lapse. */
  touchAfter(meta: SessionMeta): number {
    const { touchAfter, ttl, browserSessionTtl } = this.#options;
    const own = this.ownMaxAge(meta);
    if (typeof own === 'number') return Math.min(touchAfter, Math.floor(own / 10));
    // A browser-session cookie's record keeps one day while a ttl taken from a 30-day
    // cookie.maxAge (and a throttle of 3 days) is the others': a tenth of its own, too.
    if (own === null && browserSessionTtl < ttl) {
      return Math.min(touchAfter, Math.floor(browserSessionTtl / 10));
    }
    return touchAfter;
  }

  /**
   * How old a stamp of this session is at `now` (see stampAge). One ahead of the clock holds
   * the next touch back by as much as it is ahead: harmless while that leaves half the
   * session's lifetime to refresh it in, and tolerated up to a touchAfter in any case.
   */
  stampAge(now: number, stamp: number, meta: SessionMeta): number {
    if (now >= stamp) return now - stamp; // the usual case: no lifetime to work out
    const touchAfter = this.touchAfter(meta);
    const aheadLimit = Math.max(touchAfter, this.#lifetime(meta) / 2 - touchAfter);
    return stampAge(now, stamp, aheadLimit);
  }

  /** The shorter of the record's ttl and the browser cookie's maxAge: what a touch refreshes. */
  #lifetime(meta: SessionMeta): number {
    const ttl = recordTtl(this.#options, this.ownMaxAge(meta));
    const cookie = this.maxAge(meta);
    return cookie === null ? ttl : Math.min(ttl, cookie);
  }

  /**
   * Whether a touch falls due without being asked for (a touch() is the session's to add). No
   * touch that falls due without a cookie: the next response that can carry one would find
   * the record touched and send none (a browser cookie refreshed only with a touch or write).
   */
  touchDue(now: number, meta: SessionMeta): boolean {
    return (
      this.#plannedLost ||
      (!this.#cookieless && this.stampAge(now, meta.touched, meta) >= this.touchAfter(meta))
    );
  }

  /** Whether the commit planned sends the session cookie. */
  cookieDue(
    plan: PlannedCommit,
    persisted: boolean,
    touchRequested: boolean,
    meta: SessionMeta,
  ): boolean {
    // Planned, a refresh would count as sent (cookieAt) and the next response would skip it.
    if (this.#cookieless) return false;
    if (this.#sent) return true;
    // A new (or regenerated) id goes to the browser only once something is stored under it.
    if (!persisted) return plan.write;
    if (this.#options.rolling || this.#resign || this.maxAgeChanged(meta)) return true;
    if (!(plan.write || plan.touch)) return false;
    if (cookieOwed(meta)) return true;
    if (this.maxAge(meta) === null) return false;
    // The browser's expiry moves like the store's: at most once per touchAfter (unless asked
    // with touch()). A Set-Cookie on every write would cost server CPU and a cookie-jar write
    // in the browser for an expiry that barely moved.
    return (
      touchRequested || this.stampAge(plan.now, meta.cookieAt ?? 0, meta) >= this.touchAfter(meta)
    );
  }

  /**
   * Whether this write or touch sends the cookie another request owed (a lifetime it changed
   * where none could go out, see cookieOwed): it can carry one and planned none.
   */
  takesOwedCookie(headers: readonly string[], stored: SessionMeta): boolean {
    return headers.length === 0 && !this.#cookieless && cookieOwed(stored);
  }

  /**
   * A lifetime changed where no cookie can go out (after the headers, a WebSocket message), or
   * a cookie an earlier commit planned that never went out: the browser keeps the old one, and
   * the next request setting it again sees no change. A write then leaves the touch due at once
   * and the cookie owed, so the next response that can carry a cookie sends it. Read before
   * the write (`meta` as loaded).
   */
  lifetimeUnsent(meta: SessionMeta): boolean {
    return (this.#cookieless && this.maxAgeChanged(meta)) || this.#plannedLost;
  }

  /** A write's `touched`: `stored` is the record's meta, if it has one. */
  touchedByWrite(
    lifetimeUnsent: boolean,
    sendsCookie: boolean,
    now: number,
    stored: SessionMeta | undefined,
    meta: SessionMeta,
  ): number {
    if (lifetimeUnsent) return 0;
    // Cookieless, the write leaves the touch due: it is what refreshes the browser's cookie.
    // Not when this commit planned a cookie before it was marked (Express marks at end()
    // while a streamed body's commit still waits): that cookie went out with the headers.
    return this.#cookieless && !sendsCookie ? (stored?.touched ?? meta.touched) : now;
  }

  /** A write's `cookieAt`: `sends` when it sends the cookie (its own, or one owed). */
  cookieAtByWrite(
    lifetimeUnsent: boolean,
    sends: boolean,
    now: number,
    stored: SessionMeta | undefined,
    meta: SessionMeta,
  ): number | undefined {
    if (sends) return now;
    // What another request sent since our load counts too.
    return lifetimeUnsent ? COOKIE_OWED : (stored?.cookieAt ?? meta.cookieAt);
  }

  /**
   * A touch's `touched`: cookieless (a touch() asked for, or a write's second touch), the ttl
   * still moves but the touch stays due, as for a write: the next response's touch refreshes
   * the cookie. A cookie this touch planned before it was marked went out, as for a write.
   */
  touchedByTouch(planned: readonly string[], now: number, stored: SessionMeta): number {
    if (this.#plannedLost) return 0;
    return this.#cookieless && planned.length === 0 ? stored.touched : now;
  }

  /** A touch's `cookieAt`: `sends` when it sends the cookie (its own, or one owed). */
  cookieAtByTouch(sends: boolean, now: number, stored: SessionMeta): number | undefined {
    // As a write's lifetimeUnsent: the touch falls due and the cookie is owed.
    if (this.#plannedLost) return COOKIE_OWED;
    return sends ? now : stored.cookieAt;
  }

  /** A write or touch stored what this request set: nothing of it is pending any more. */
  stored(): void {
    this.#maxAgeSet = false;
    this.#plannedLost = false;
  }

  /** A commit returns `headers`: a cookie sent is sent again by later commits. */
  sending(headers: readonly string[]): void {
    if (headers.length > 0) this.#sent = true;
  }

  /** regenerate(): a new id, whose cookie nothing has sent yet (nor signed with an old secret). */
  regenerated(): void {
    this.#resign = false;
    this.#sent = false;
  }

  /**
   * From now on no cookie is planned (see commitWithoutCookies). `plannedLost`: one an earlier
   * commit planned did not go out either; owed only for a `persisted` id (a new one's cookie
   * is the adapter's to report: nothing reaches it).
   */
  markCookieless(plannedLost: boolean, persisted: boolean): void {
    this.#cookieless = true;
    if (plannedLost && this.#sent && persisted) this.#plannedLost = true;
  }

  /**
   * For unconfirmedRefresh(): a cookie now would bring the client nothing new, unless the id
   * is (see the session): no earlier commit of this request sent it (confirmed then), and no
   * lifetime of this request's is in it.
   */
  refreshOnly(meta: SessionMeta): boolean {
    return !this.#sent && !this.maxAgeChanged(meta);
  }
}
