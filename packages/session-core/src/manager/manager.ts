import type { SessionData, Store, StoredData } from '../store/types.js';
import { createCookieSerializer, readCookieValues } from './cookies.js';
import { createDefaultStore } from './default-store.js';
import { FailureCounts, registerFailureCounts } from './failures.js';
import { newSessionId } from './id.js';
import { resolveOptions } from './options.js';
import { isFreshLoginTombstone, openRecord } from './record.js';
import { ManagedSession, type SessionContext } from './session.js';
import { createVerifier, signingKeys, type VerifiedId } from './signing.js';
import type { RequestInfo, Session, SessionManager, SessionManagerOptions } from './types.js';

/**
 * How long after a login (regenerate()) a cookie naming the id it killed counts as one of a
 * request already in flight (SessionInit.superseded). Longer would keep a browser that still
 * holds that cookie (the login's response lost) from starting a new session for that long.
 */
const SUPERSEDED_WINDOW = 10_000;
/**
 * How far ahead of the clock a login's tombstone may be and still count as just now: hosts
 * sharing a store with clocks apart by more than the window otherwise sent a request in flight
 * a new session's cookie, which replaced the login's. Past it, the clock stepped back (see
 * isFreshLoginTombstone).
 */
const SUPERSEDED_AHEAD = 60_000;

/**
 * The framework-agnostic session manager: adapters hand it the Cookie header, expose the
 * session, and send the Set-Cookie values that `commit()` returns. Throws a SessionError
 * with code ERR_SESSION_OPTIONS when an option is missing, unknown (another library's name,
 * a typo) or unsafe (e.g. a short secret).
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const resolved = resolveOptions(options);
  // The default FastMmapStore opens its file now: a directory it must refuse (another user
  // made /tmp/fastmmap-<uid> first, say) fails the start-up, not every request after it.
  const ownsStore = resolved.store === undefined;
  const store: Store = resolved.store ?? createDefaultStore(resolved.clock);
  let closed = false;

  // Computed once, shared by every session: the HMAC keys and verifier, and the cookie
  // attribute strings.
  const keys = signingKeys(resolved.secrets);
  const verify = createVerifier(keys);
  const cookies = createCookieSerializer(resolved.name, resolved.cookie);
  const failures = new FailureCounts();
  const ctx: SessionContext = {
    options: resolved,
    store,
    sync: store.sync,
    cookies,
    keys,
    failures,
  };
  // Rethrown: the adapter answers the failure; this only counts it (on the failure path alone).
  const loadFailed = (err: unknown): never => {
    failures.add('load', err);
    throw err;
  };

  const publicOptions: Readonly<SessionManagerOptions> = Object.freeze({
    ...options,
    name: resolved.name,
    cookie: Object.freeze({ ...resolved.cookie }),
    ttl: resolved.ttl,
    rolling: resolved.rolling,
    touchAfter: resolved.touchAfter,
    saveUninitialized: resolved.saveUninitialized,
    tombstoneTtl: resolved.tombstoneTtl,
    absoluteTimeout: resolved.absoluteTimeout,
  });

  // Missing, forged, expired, destroyed or unknown: a fresh id, never the client's choice.
  // `superseded`: the cookie named an id a concurrent login killed (see SessionInit).
  const fresh = (
    request: RequestInfo | undefined,
    now: number,
    superseded: boolean,
  ): ManagedSession =>
    new ManagedSession(ctx, {
      id: newSessionId(resolved.genid),
      isNew: true,
      persisted: false,
      data: {},
      meta: { created: now, touched: now },
      resign: false,
      signedValue: undefined,
      request,
      superseded,
    });

  // The session a verified cookie names, if its record is live (and young enough).
  const sessionFor = (
    request: RequestInfo | undefined,
    verified: VerifiedId,
    value: string,
    stored: StoredData | undefined,
    now: number,
  ): ManagedSession | undefined => {
    const record = openRecord(stored, now);
    const { absoluteTimeout } = resolved;
    if (
      record === undefined ||
      (absoluteTimeout !== undefined && now - record.meta.created >= absoluteTimeout)
    ) {
      return undefined;
    }
    return new ManagedSession(ctx, {
      id: verified.id,
      isNew: false,
      persisted: true,
      data: record.data,
      meta: record.meta,
      resign: verified.secretIndex > 0,
      signedValue: verified.secretIndex === 0 ? value : undefined,
      request,
      superseded: false,
    });
  };

  // The session for the first cookie value (from `index` on) that verifies and names a live
  // record: in the call when the store answered synchronously, else after its read.
  // `superseded` says whether a value tried so far named an id a login killed just now.
  const loadFrom = (
    request: RequestInfo | undefined,
    values: readonly string[],
    index: number,
    now: number,
    superseded: boolean,
  ): ManagedSession | Promise<ManagedSession> => {
    for (let i = index; i < values.length; i++) {
      const value = values[i]!;
      const verified = verify(value);
      if (verified === undefined) continue;
      if (ctx.sync !== undefined) {
        const stored = ctx.sync.getSync(verified.id);
        const session = sessionFor(request, verified, value, stored, now);
        if (session !== undefined) return session;
        superseded ||= isFreshLoginTombstone(stored, now, SUPERSEDED_WINDOW, SUPERSEDED_AHEAD);
        continue;
      }
      // A later value's read fails in its own then(): counted there, once. A throw here (a
      // genid making the fresh session's id) is counted as loadNow() counts the sync one.
      return ctx.store.get(verified.id).then((stored) => {
        try {
          return (
            sessionFor(request, verified, value, stored, now) ??
            loadFrom(
              request,
              values,
              i + 1,
              now,
              superseded || isFreshLoginTombstone(stored, now, SUPERSEDED_WINDOW, SUPERSEDED_AHEAD),
            )
          );
        } catch (err) {
          return loadFailed(err);
        }
      }, loadFailed);
    }
    return fresh(request, now, superseded);
  };

  function loadNow<D extends object = SessionData>(
    cookieHeader: string | undefined,
    request?: RequestInfo,
  ): Session<D> | Promise<Session<D>> {
    try {
      const values = readCookieValues(cookieHeader, resolved.name);
      return loadFrom(request, values, 0, resolved.clock(), false) as unknown as
        | Session<D>
        | Promise<Session<D>>;
    } catch (err) {
      failures.add('load', err);
      // As from an async function: a failure (a throwing genid or store) rejects, never throws.
      return Promise.reject(err);
    }
  }

  function load<D extends object = SessionData>(
    cookieHeader: string | undefined,
    request?: RequestInfo,
  ): Promise<Session<D>> {
    const loaded = loadNow<D>(cookieHeader, request);
    return loaded instanceof Promise ? loaded : Promise.resolve(loaded);
  }

  const manager: SessionManager = {
    store,
    options: publicOptions,
    load,
    loadNow,
    async close() {
      if (closed) return;
      closed = true;
      if (ownsStore) await store.close();
    },
  };
  registerFailureCounts(manager, failures);
  return manager;
}
