import type { ServerResponse } from 'node:http';
import type { Session } from '@fastmmap/session-core';

function appendSetCookie(res: ServerResponse, values: readonly string[]): void {
  // Appended, never replacing: other middleware may have set cookies of their own.
  for (const value of values) res.appendHeader('set-cookie', value);
}

/**
 * `writeHead(status, [reason], headers)` with a plain headers object: applies the object with
 * setHeader and returns the arguments without it. Other forms are returned unchanged.
 */
function applyHeaderObject(res: ServerResponse, args: unknown[]): unknown[] {
  const index = typeof args[1] === 'string' ? 2 : 1;
  const headers = args[index];
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return args;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) res.setHeader(name, value as string | number | readonly string[]);
  }
  return args.slice(0, index);
}

/**
 * Makes the response carry the session's cookies and finish only after the session is
 * committed, so the client's next request (say, after a redirect) sees the change.
 *
 * - `res.end` is held until `session.commit()` resolves; its cookies are added if the headers
 *   are still unsent (the usual `res.json()`/`res.redirect()` path).
 * - `res.writeHead` (explicit, or Node's implicit one when a body is streamed) adds the
 *   cookies `cookieHeaders()` predicts, synchronously, since headers cannot wait.
 * - A failed commit goes to `onError` (Express `next(err)`); if the headers are still unsent
 *   the error handler can answer with a clean 500.
 * - `current` gives the request's live session at each step (reload() may replace it).
 */
export function commitOnEnd(
  res: ServerResponse,
  current: () => Session,
  onError: (err: unknown) => void,
): void {
  const originalEnd = res.end;
  const originalWriteHead = res.writeHead;
  let cookiesDone = false;

  const cookiesPending = () => !cookiesDone && !res.headersSent;
  const addCookies = (values: readonly string[]) => {
    cookiesDone = true;
    appendSetCookie(res, values);
  };

  res.writeHead = function writeHead(this: ServerResponse, ...args: unknown[]) {
    // Checked first: on the usual path end() has added the commit's cookies already, and
    // computing them again (an HMAC and a serialization) would be wasted.
    if (cookiesPending()) {
      // Headers passed to writeHead would replace ours (a Set-Cookie among them would drop
      // the session cookie): set them first, then append.
      args = applyHeaderObject(this, args);
      addCookies(current().cookieHeaders());
    }
    return (originalWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];

  res.end = function end(this: ServerResponse, ...args: unknown[]) {
    // One pass only: the error handler's own end() (or a second end()) goes straight through.
    res.end = originalEnd;
    const session = current();
    session.commit().then(
      (cookies) => {
        if (cookiesPending()) addCookies(cookies);
        (originalEnd as (...a: unknown[]) => ServerResponse).apply(res, args);
      },
      (err: unknown) => {
        // Nothing was stored: announce no cookie for it on the error response.
        cookiesDone = true;
        onError(err);
      },
    );
    return res;
  } as ServerResponse['end'];
}
