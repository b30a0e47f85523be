import { SessionError } from '@fastmmap/session-core';

/**
 * Fastify's default error handler sends an error's message to the client, even for a 500, and
 * what fails in a session's load or commit can name internals: a Redis host and port, a cache
 * path, a uid, or a custom store's database URL. The reply gets a generic message with the
 * code (a SessionError's, or a system error's such as ECONNREFUSED), else the error's name;
 * the original is the cause, which Fastify's logger prints. The copy keeps the class
 * (`instanceof`, isRedisStoreError) and the own fields (`code`, `redisCode`), but not a
 * `statusCode` or `status` (a store over HTTP reports its upstream's 401 or 404, which is no
 * answer for the client: the reply is a 500) nor a `code` that is free text. A SessionError's
 * own status stays: 503 when the store cannot serve.
 */
export function clientSafe(err: unknown): unknown {
  if (!(err instanceof Error) || made.has(err)) return err;
  const code = (err as { code?: unknown }).code;
  // A code is an identifier (ECONNREFUSED, Postgres's 57P01) or a number (MongoDB's 11000).
  const codeShown =
    (typeof code === 'string' && CODE_SHAPE.test(code)) ||
    (typeof code === 'number' && Number.isSafeInteger(code));
  const safe = Object.create(Object.getPrototypeOf(err)) as Error;
  Object.assign(safe, err);
  // No promise of a log line: Fastify logs nothing unless its logger is on.
  const status = err instanceof SessionError ? err.status : undefined;
  const message = codeShown
    ? `session error ${code}`
    : `session error (${NAME_SHAPE.test(err.name) ? err.name : 'Error'})`;
  for (const [key, value] of [
    ['message', message],
    ['cause', err],
    ['stack', `${err.name}: ${message}\n    (the original error, with its stack, is the cause)`],
    ['statusCode', status],
    ['status', status],
    ['code', codeShown ? code : undefined],
  ] as const) {
    Object.defineProperty(safe, key, { value, writable: true, configurable: true });
  }
  made.add(safe);
  return safe;
}

// What may reach the client: a code or class name, never free text.
const CODE_SHAPE = /^[A-Za-z0-9_]{1,64}$/;
const NAME_SHAPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Copies already made (an error can pass a session method and then a hook): kept as they are. */
const made = new WeakSet<Error>();

/** The error a clientSafe() copy stands for (others as they are). */
export function originalError(err: unknown): unknown {
  return err instanceof Error && made.has(err) ? err.cause : err;
}
