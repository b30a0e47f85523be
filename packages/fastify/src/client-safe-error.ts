import { SessionError } from '@fastmmap/session-core';

/**
 * Fastify's default error handler sends an error's message to the client, even for a 500, and
 * a session error's message can name internals (a Redis host and port, a cache path, a uid).
 * The reply gets the code only; the original is the cause, which Fastify's logger prints.
 */
export function clientSafe(err: unknown): unknown {
  if (!(err instanceof SessionError)) return err;
  return new SessionError(err.code, `session error ${err.code} (details in the server log)`, {
    cause: err,
  });
}
