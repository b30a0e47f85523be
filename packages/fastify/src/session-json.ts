import { SessionError } from '@fastmmap/session-core';

/**
 * The session as JSON text, as every @fastify/session store keeps it. What JSON cannot hold (a
 * BigInt, a cycle, a toJSON that throws or gives nothing) is ERR_SESSION_UNSUPPORTED_DATA, as
 * the Express and Koa stores report it: a bare TypeError reached the app with no code.
 */
export function sessionJson(session: object): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(session);
  } catch (err) {
    throw unsupported(err instanceof Error ? err.message : String(err), err);
  }
  if (typeof json !== 'string') throw unsupported('its toJSON() gave nothing to store');
  return json;
}

function unsupported(why: string, cause?: unknown): SessionError {
  return new SessionError(
    'ERR_SESSION_UNSUPPORTED_DATA',
    `FastifySessionStore could not store a session: it is not representable as JSON: ${why}`,
    cause === undefined ? undefined : { cause },
  );
}
