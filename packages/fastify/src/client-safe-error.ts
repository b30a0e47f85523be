/**
 * Fastify's default error handler sends an error's message to the client, even for a 500, and
 * a session error's message can name internals (a Redis host and port, a cache path, a uid).
 * The reply gets a generic message with the code; the original is the cause, which Fastify's
 * logger prints. The copy keeps the class (`instanceof`, isRedisStoreError) and the own fields
 * (`code`, `redisCode`). Recognised by shape, so a second copy of session-core is covered too.
 */
export function clientSafe(err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== 'SessionError' || made.has(err)) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  const safe = Object.create(Object.getPrototypeOf(err)) as Error;
  Object.assign(safe, err);
  // No promise of a log line: Fastify logs nothing unless its logger is on.
  const message = `session error ${code}`;
  for (const [key, value] of [
    ['message', message],
    ['cause', err],
    ['stack', `${err.name}: ${message}\n    (the original error, with its stack, is the cause)`],
  ] as const) {
    Object.defineProperty(safe, key, { value, writable: true, configurable: true });
  }
  made.add(safe);
  return safe;
}

/** Copies already made (an error can pass a session method and then a hook): kept as they are. */
const made = new WeakSet<Error>();

/** The error a clientSafe() copy stands for (others as they are). */
export function originalError(err: unknown): unknown {
  return err instanceof Error && made.has(err) ? err.cause : err;
}
