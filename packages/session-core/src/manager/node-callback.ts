/** A node-style callback, as express-session's and @fastify/session's methods take them. */
export type NodeCallback = (err?: unknown) => void;

/**
 * For adapters whose framework's session methods take an optional callback: without one,
 * `work` as a Promise of nothing; with one, the callback on a later tick with the error, if
 * any, as its only argument (never inside the caller's stack, never twice).
 *
 * The Promise is marked handled: code written for express-session calls `save()` without a
 * callback and without awaiting it (express-session's returns nothing and drops the error), and
 * a failure there must not become an unhandled rejection that kills the process. Awaiting it
 * still rejects; the commit at the end of the response reports the failure again.
 */
export function settleWithCallback(
  work: Promise<unknown>,
  callback: unknown,
): Promise<void> | undefined {
  if (typeof callback !== 'function') {
    const settled = work.then(() => undefined);
    settled.catch(() => {});
    return settled;
  }
  const done = callback as NodeCallback;
  work.then(
    () => process.nextTick(done),
    (err: unknown) => process.nextTick(done, err),
  );
  return undefined;
}
