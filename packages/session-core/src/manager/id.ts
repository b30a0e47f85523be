import { randomBytes } from 'node:crypto';
import { SessionError } from '../errors.js';

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

/** Runs the configured generator and refuses ids that could not round-trip through a cookie. */
export function newSessionId(genid: () => string): string {
  const id = genid();
  if (typeof id !== 'string' || !hasIdShape(id)) {
    throw new SessionError(
      'ERR_SESSION_INVALID_ID',
      'genid must return 22-256 characters of [A-Za-z0-9_-] (at least 128 bits of entropy)',
    );
  }
  return id;
}
