import { SessionError } from '../errors.js';

/**
 * Ends `proto`'s chain with a trap for assignments: `session.user = ...`, a name neither the
 * object nor its prototypes have, throws ERR_SESSION_UNSUPPORTED_DATA naming `session.data`.
 * Non-extensible objects already refuse it, but only strict code hears of it: sloppy code
 * (a CommonJS file without 'use strict') would lose the value without a word. Reads, and
 * assignments to names the chain has, never reach the trap.
 */
export function refuseNewProperties(proto: object, where: string): void {
  const end = new Proxy(Object.create(Object.getPrototypeOf(proto)) as object, {
    set(_target, name) {
      throw new SessionError('ERR_SESSION_UNSUPPORTED_DATA', dataNotHere(where, String(name)));
    },
  });
  Object.setPrototypeOf(proto, end);
}

/** What to say when data is assigned to the session itself (this trap, sessionGuard). */
export function dataNotHere(where: string, key: string): string {
  return `${where}.${key} cannot be set: data lives on ${where}.data (${where}.data.${key} = ...)`;
}
