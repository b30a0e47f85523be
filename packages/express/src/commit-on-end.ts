import type { ServerResponse } from 'node:http';
import type { Session } from '@fastmmap/session-core';
import {
  commitForCache,
  commitWithoutCookies,
  cookieNameOf,
  headersSentError,
  idStored,
  isRepeatedDataRefusal,
  lifetimeSetHere,
  plannedCookies,
  refreshOnly,
  unconfirmedRefresh,
  unreachableAfterHeaders,
  unsentCookieNames,
} from '@fastmmap/session-core/adapter';
import { headersSent } from './headers-sent.js';
import { dropSecondAnswer, holdResponse, restoreResponse } from './held-response.js';
import { settle } from './holders.js';
import { releaseLastByte, writeHoldingLastByte } from './last-byte.js';
import type { RequestSession } from './request-session.js';
import { isWebSocketHandshake } from './websocket-handshake.js';

/** A response method as found before ours (Node's, or another middleware's wrapper). */
export type ResponseMethod = (this: ServerResponse, ...args: unknown[]) => unknown;

function appendSetCookie(res: ServerResponse, values: readonly string[]): void {
  if (values.length === 0) return;
  // Appended, never replacing: other middleware may have set cookies of their own.
  if (typeof res.appendHeader === 'function') {
    for (const value of values) res.appendHeader('set-cookie', value);
    return;
  }
  // A response-like object with only setHeader: engine.io's for a WebSocket upgrade
  // (io.engine.use(session())), whose writeHead() it calls so that cookies reach the 101.
  const current = res.getHeader?.('set-cookie');
  const before = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
  res.setHeader('set-cookie', [...before, ...values]);
}

/**
 * `writeHead(status, [reason], headers)` with headers: applies them with setHeader (a name
 * repeated in an array form is appended, as Node sends raw arrays) and returns the arguments
 * without them, so Node does not replace the session cookie appended next.
 */
function applyHeaders(res: ServerResponse, args: unknown[]): unknown[] {
  // As Node reads them: with no string reason, the headers are the third argument if there is
  // one (writeHead(200, undefined, headers)), else the second.
  const index = typeof args[1] === 'string' || args[2] != null ? 2 : 1;
  const headers = args[index];
  if (headers === null || typeof headers !== 'object') return args;
  const pairs = Array.isArray(headers) ? headerPairs(headers) : Object.entries(headers);
  if (pairs === undefined) return args; // malformed: Node's writeHead reports it
  const seen = new Set<string>();
  for (const [name, value] of pairs) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const header = typeof value === 'number' ? String(value) : (value as string | string[]);
    if (seen.has(key)) res.appendHeader(name, header);
    else res.setHeader(name, header);
    seen.add(key);
  }
  // A second argument that is no reason would become the headers once the third is gone.
  return typeof args[1] === 'string' ? args.slice(0, 2) : args.slice(0, 1);
}

/** Node's array forms, `[name, value, name, value]` or `[[name, value], ...]`, as pairs. */
function headerPairs(headers: unknown[]): [string, unknown][] | undefined {
  const pairs: [string, unknown][] = [];
  if (Array.isArray(headers[0])) {
    for (const pair of headers) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string') return undefined;
      pairs.push([pair[0], pair[1]]);
    }
    return pairs;
  }
  if (headers.length % 2 !== 0) return undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (typeof name !== 'string') return undefined;
    pairs.push([name, headers[i + 1]]);
  }
  return pairs;
}

/**
 * `res.writeHead` (explicit, or Node's implicit one when a body is streamed) for a response
 * with a session: adds the cookies `cookieHeaders()` predicts, synchronously, since headers
 * cannot wait. On the usual path end() has added the commit's cookies already and this is
 * skipped (computing them again would be a wasted HMAC and serialization).
 */
export function writeHeadWithCookies(
  res: ServerResponse,
  state: RequestSession,
  args: unknown[],
  writeHead: ResponseMethod,
): unknown {
  if (state.held !== undefined) {
    dropSecondAnswer(res, args);
    return res;
  }
  const sent = headersSent(res);
  // The lifetime the cookie goes out with: a later change cannot reach the browser.
  if (!sent) state.maxAgeAtHeaders = state.current.maxAge;
  // Headers before end(), on a real response: a streamed body (see commitAtHeaders). Not
  // engine.io's WebSocket upgrade response, an emitter since engine.io 6.6: its headers are
  // gone once the 101 is out, so a commit at its close read them and threw, uncaught.
  const streams =
    !sent && !state.ended && typeof res.once === 'function' && !isWebSocketHandshake(state.req);
  if (!state.cookiesDone && !sent) {
    // Headers passed to writeHead would replace ours (a Set-Cookie among them would drop
    // the session cookie): set them first, then append.
    args = applyHeaders(res, args);
    state.cookiesDone = true;
    appendSetCookie(res, streams ? commitAtHeaders(res, state) : headersCookies(state));
  }
  if (streams) commitOnClose(res, state);
  return writeHead.apply(res, args);
}

/**
 * The cookies for headers that go out without a commit: end()'s own (its commit planned them
 * already), or a WebSocket handshake's 101, which nothing commits. There a mere refresh would
 * renew the id as loaded, one a login may have killed since (an asynchronous store's round
 * trip, engine.io's `allowRequest`): it stays due for the next HTTP response.
 */
function headersCookies(state: RequestSession): readonly string[] {
  if (isWebSocketHandshake(state.req) && refreshOnly(state.current)) return [];
  return plannedCookies(state.current);
}

/**
 * The cookies for the headers of a streamed body, whose session is committed as they go out,
 * as Koa, Fastify and Hono commit before the body: a response that streams for a while (an
 * event stream, server-side rendering) would otherwise send a new session's cookie for a
 * record stored only at res.end(), and the browser's requests meanwhile (an API call from
 * the page) would find no session and get another id. end() commits again what changed
 * since, and reports a failure: this one is only a head start (an asynchronous store's
 * cookies are the planned ones, as the headers cannot wait).
 */
function commitAtHeaders(res: ServerResponse, state: RequestSession): readonly string[] {
  const session = state.current;
  // A destroy under way (`req.session = null`): end() commits once it is done. Its clearing
  // cookie is not known yet, and any other would renew the id being destroyed.
  if (state.destroying !== undefined) return [];
  // A mere refresh the commit cannot confirm in time is left due (see unconfirmedRefresh):
  // for an id a concurrent login killed, it would log the browser out.
  const committed = unconfirmedRefresh(session)
    ? commitWithoutCookies(session)
    : commitForCache(session, cacheControl(res));
  if (!(committed instanceof Promise)) return committed;
  committed.catch(() => {}); // end() (or the close) tries again and reports
  return plannedCookies(session);
}

/**
 * A response whose headers went out before end() (a streamed body, res.flushHeaders(), an
 * event stream) may close without end(): the client went away mid-body (a pipe stops,
 * res.sendFile skips end() on ECONNABORTED), or the handler failed after the headers
 * (Express's final handler destroys the socket). Its session is committed when it closes, as
 * Koa, Fastify and Hono keep such changes: the cookie went out with the headers. An end()
 * that still comes commits again (what changed since). A failure goes to `onError`, as at
 * end(). One listener, and only on responses that stream.
 */
function commitOnClose(res: ServerResponse, state: RequestSession): void {
  res.once('close', () => {
    if (state.ended) return;
    settle(state.req, res);
    if (skipUnreachable(res, state)) return;
    // As end() after the headers: no cookie planned (none can go out now).
    const committed = commitLast(res, state);
    if (!(committed instanceof Promise)) {
      warnLateLifetime(state, committed);
      return;
    }
    committed.then(
      (cookies) => warnLateLifetime(state, cookies),
      (err: unknown) => {
        // The app had this very failure from save(): told already.
        if (!isRepeatedDataRefusal(err, state.failedCommit)) state.onError(err);
      },
    );
  });
}

/** `res.write` of a response with a session: dropped while the first answer is held. */
export function writeWithSession(
  res: ServerResponse,
  state: RequestSession,
  args: unknown[],
  write: ResponseMethod,
): unknown {
  if (state.held !== undefined) return dropSecondAnswer(res, args);
  if (state.ended) {
    // The commit failed with the body whole but its last byte: nothing may complete it.
    if (state.lastByte === undefined) return write.apply(res, args);
    destroyUnfinished(res, state, args);
    return false;
  }
  // A write past the held byte (more than the Content-Length): kept in order.
  releaseLastByte(res, state);
  return writeHoldingLastByte(res, state, args, write);
}

/**
 * The commit failed after the body went out but its held last byte (see last-byte.ts): the
 * client must see a broken response, not a complete one, whatever the error handler sends.
 */
function destroyUnfinished(res: ServerResponse, state: RequestSession, args: unknown[]): void {
  state.lastByte = undefined;
  res.destroy();
  // A callback passed along is told, as Node tells one on a destroyed response.
  const callback = args.findLast((arg) => typeof arg === 'function') as
    | ((err: Error) => void)
    | undefined;
  const err = Object.assign(new Error('the response was destroyed: its session commit failed'), {
    code: 'ERR_STREAM_DESTROYED',
  });
  if (callback !== undefined) process.nextTick(callback, err);
}

/**
 * Every `res.end` of a response with a session: the first one commits (endAfterCommit), a
 * later one while the first still waits for an asynchronous commit is dropped, and any other
 * (the error handler's after a failed commit, say) goes straight through.
 */
export function endWithSession(
  res: ServerResponse,
  state: RequestSession,
  args: unknown[],
  end: ResponseMethod,
): unknown {
  if (state.held !== undefined) {
    dropSecondAnswer(res, args);
    return res;
  }
  if (state.ended) {
    if (state.lastByte === undefined) return end.apply(res, args);
    destroyUnfinished(res, state, args);
    return res;
  }
  return endAfterCommit(res, state, args, end);
}

/**
 * `res.end` for a response with a session: held until `session.commit()` resolves, so the
 * client's next request (say, after a redirect) sees the change; the commit's cookies are
 * added if the headers are still unsent (the usual `res.json()`/`res.redirect()` path).
 * A failed commit goes to `onError` (Express `next(err)`); if the headers are still unsent
 * the error handler can answer with a clean 500. Runs once per response (`state.ended`).
 */
function endAfterCommit(
  res: ServerResponse,
  state: RequestSession,
  args: unknown[],
  end: ResponseMethod,
): ServerResponse {
  state.ended = true;
  settle(state.req, res);
  if (headersSent(res) && skipUnreachable(res, state)) {
    releaseLastByte(res, state);
    end.apply(res, args);
    return res;
  }
  const committed = commitLast(res, state);
  // A synchronous store has finished the commit in the call: the response ends right away.
  if (!(committed instanceof Promise)) {
    endWithCookies(res, state, args, end, committed);
    return res;
  }
  const held = holdResponse(res);
  state.held = held;
  committed.then(
    (cookies) => {
      state.held = undefined;
      restoreResponse(res, held);
      endWithCookies(res, state, args, end, cookies);
    },
    (err: unknown) => {
      state.held = undefined;
      // Nothing was stored: announce no cookie for it on the error response.
      state.cookiesDone = true;
      if (!(held.statusCode >= 400 && isRepeatedDataRefusal(err, state.failedCommit))) {
        state.onError(err);
        return;
      }
      // The app had this very failure from save() and is answering it with an error: that
      // answer goes out, rather than Express's final handler with the same error again.
      restoreResponse(res, held);
      releaseLastByte(res, state);
      end.apply(res, args);
    },
  );
  return res;
}

/**
 * end()'s commit. Once the headers went out (a streamed body, committed at its headers), it
 * plans no cookie: one would count as sent though it never reaches the browser, and confirming
 * it cost every such response a second read of the record (a store round trip).
 */
/**
 * The commit of end() or of the close: after the destroy `req.session = null` started, whose
 * failure fails the commit (it has no other channel), else commitAtEnd.
 */
function commitLast(res: ServerResponse, state: RequestSession): string[] | Promise<string[]> {
  const session = state.current;
  return state.destroying === undefined
    ? commitAtEnd(res, session)
    : state.destroying.then(() => session.commit());
}

function commitAtEnd(res: ServerResponse, session: Session): string[] | Promise<string[]> {
  return headersSent(res)
    ? commitWithoutCookies(session)
    : commitForCache(session, cacheControl(res));
}

/** Read at the commit: a refresh cookie must not go out on a shared-cacheable response. */
function cacheControl(res: ServerResponse): unknown {
  // engine.io's upgrade response has no getHeader (see appendSetCookie).
  return typeof res.getHeader === 'function' ? res.getHeader('cache-control') : undefined;
}

function endWithCookies(
  res: ServerResponse,
  state: RequestSession,
  args: unknown[],
  end: ResponseMethod,
  cookies: readonly string[],
): void {
  const sent = headersSent(res);
  if (!state.cookiesDone && !sent) {
    state.cookiesDone = true;
    appendSetCookie(res, cookies);
  } else if (sent) {
    warnLateLifetime(state, cookies);
  }
  releaseLastByte(res, state);
  end.apply(res, args);
}

/**
 * A commit after the headers went out (at end() or at the close): the record has the new
 * lifetime, the browser's cookie the old one. A cookie that was only due for a refresh
 * (touchAfter, rolling) is not worth a word: the next response sends it. A commit after the
 * headers plans no cookie (see commitAtEnd, session-view.ts): the name is the manager's then.
 */
function warnLateLifetime(state: RequestSession, cookies: readonly string[]): void {
  if (!lifetimeChangedLate(state)) return;
  const names = cookies.length > 0 ? cookieNames(cookies) : [cookieNameOf(state.manager)];
  warn(state, names, 'owed');
}

/**
 * `maxAge` ("remember me") set after the headers, and so the cookie, went out. Set here: the
 * commit also takes a lifetime another request stored (and sent) meanwhile.
 */
function lifetimeChangedLate(state: RequestSession): boolean {
  const session = state.current;
  return (
    !session.destroyed &&
    state.maxAgeAtHeaders !== undefined &&
    lifetimeSetHere(session) &&
    session.maxAge !== state.maxAgeAtHeaders
  );
}

const cookieNames = (cookies: readonly string[]) => cookies.map((c) => c.split('=', 1)[0]!);

/**
 * The body was streamed (res.write, a pipe, sendFile) before the session got an id the client
 * does not have (new, or regenerated after the first chunk): its cookie cannot go out, so it
 * is not stored, since no request could ever reach it. True if the commit is skipped.
 */
function skipUnreachable(res: ServerResponse, state: RequestSession): boolean {
  const session = state.current;
  if (!unreachableAfterHeaders(session, state.loadedId)) return false;
  // No plan (data no store can keep): the commit runs, fails, and end() reports that.
  return warnUnsent(res, state, plannedCookies(session));
}

/** Managers (one per session() middleware) whose app has been told already. */
const warned = new WeakSet<object>();

/**
 * Tells the process, once per middleware (the same code path would repeat it on every
 * request), that session cookies could not be sent: Express has no error channel once the
 * body has started. True when there were any.
 */
function warnUnsent(
  res: ServerResponse,
  state: RequestSession,
  cookies: readonly string[],
): boolean {
  const names = unsentCookieNames(state.current, cookies, res.getHeader('set-cookie'));
  if (names.length === 0) return false;
  // A save() after the first chunk stored the new id already: say so, not "not stored".
  warn(state, names, idStored(state.current) ? 'unreachable' : 'skipped');
  return true;
}

// A new id's cookie is lost for good; a late lifetime only waits for the next response.
const beforeFirstWrite =
  'Change the session (awaiting regenerate() or destroy()) before the first write';
const fixes = {
  skipped: beforeFirstWrite,
  unreachable: beforeFirstWrite,
  owed: 'Set maxAge before the first write: a browser closed in between drops a browser-session cookie',
} as const;

function warn(state: RequestSession, names: readonly string[], outcome: keyof typeof fixes): void {
  if (names.length > 0 && !warned.has(state.manager)) {
    warned.add(state.manager);
    const cause = 'a streamed body, res.write() or res.flushHeaders(), then a session change?';
    process.emitWarning(headersSentError(names, outcome, cause, fixes[outcome]));
  }
}

/**
 * The per-response form of the two hooks above, as own properties of `res`: used when the
 * shared hooks on the app's response prototype cannot be (see prototype-hooks.ts), e.g. when
 * another middleware has already wrapped this response's end or writeHead.
 */
export function commitOnEnd(res: ServerResponse, state: RequestSession): void {
  const originalEnd = res.end as ResponseMethod;
  const originalWriteHead = res.writeHead as ResponseMethod;
  const originalWrite = res.write as ResponseMethod;
  res.write = function write(this: ServerResponse, ...args: unknown[]) {
    return writeWithSession(res, state, args, originalWrite);
  } as ServerResponse['write'];
  res.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
    return writeHeadWithCookies(this, state, args, originalWriteHead);
  } as ServerResponse['writeHead'];
  res.end = function end(this: ServerResponse, ...args: unknown[]) {
    return endWithSession(res, state, args, originalEnd);
  } as ServerResponse['end'];
}
