import { createSessionManager, isSessionError } from '@fastmmap/session-core';

/**
 * What is wrong with the secret, by the library's own rules, or undefined when it is usable.
 * The primary asks before forking: one clear line there beats a stack trace from every worker.
 */
export function secretProblem(secret) {
  try {
    // Checks the options and opens nothing: the store is opened on first use.
    createSessionManager({ secret });
    return undefined;
  } catch (err) {
    if (isSessionError(err, 'ERR_SESSION_OPTIONS')) return err.message;
    throw err;
  }
}
