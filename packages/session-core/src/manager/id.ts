import { randomBytes } from 'node:crypto';
import { SessionError } from '../errors.js';
import { isThenable } from '../thenable.js';

/** 32 bytes (256 bits) from the OS CSPRNG, as 43 base64url characters. */
export function generateSessionId(): string {
  return randomBytes(32).toString('base64url');
}

// 22 base64url characters carry 132 bits: the floor OWASP and ASVS ask for (128).
const ID_SHAPE = /^[A-Za-z0-9_-]{22,256}$/;

/** Cheap shape check applied to cookie input before any crypto or store lookup. */
export function hasIdShape(value: string): boolean {
  return ID_SHAPE.test(value);
}

/**
 * Runs the configured generator and refuses ids that could not round-trip through a cookie.
 * It is not called to check it when the manager is made: that would take an id from a
 * deterministic test generator, and need whatever it uses ready before the app is.
 */
export function newSessionId(genid: () => string): string {
  let id: unknown;
  try {
    id = genid();
  } catch (cause) {
    // Mostly express-session's genid(req) or @fastify/session's idGenerator(request), which
    // read their argument: ours passes none.
    const hint =
      genid.length > 0
        ? " (it is called with no arguments, unlike express-session's genid(req))"
        : '';
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new SessionError('ERR_SESSION_OPTIONS', `genid() threw${hint}: ${why}`, { cause });
  }
  if (isThenable(id)) {
    id.then(undefined, () => {}); // its rejection is reported here, not left unhandled
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      'genid must return the id itself: it returned a Promise (an async genid)',
    );
  }
  if (typeof id !== 'string' || !hasIdShape(id)) {
    throw new SessionError(
      'ERR_SESSION_INVALID_ID',
      'genid must return 22-256 characters of [A-Za-z0-9_-] (at least 128 bits of entropy)',
    );
  }
  return id;
}
