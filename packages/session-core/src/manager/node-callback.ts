/** A node-style callback, as express-session's and @fastify/session's methods take them. */
export type NodeCallback = (err?: unknown) => void;

/**
 * For adapters whose framework's session methods take an optional callback: without one,
 * `work` as a Promise of nothing; with one, the callback on a later tick with the error, if
 * any, as its only argument (never inside the caller's stack, never twice).
 */
export function settleWithCallback(
  work: Promise<unknown>,
  callback: unknown,
): Promise<void> | undefined {
  if (typeof callback !== 'function') return work.then(() => undefined);
  const done = callback as NodeCallback;
  work.then(
    () => process.nextTick(done),
    (err: unknown) => process.nextTick(done, err),
  );
  return undefined;
}
