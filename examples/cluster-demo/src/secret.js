import { createSessionManager, isSessionError, MemoryStore } from '@fastmmap/session-core';

/**
 * What is wrong with the secret, by the library's own rules, or undefined when it is usable.
 * The primary asks before forking: one clear line there beats a stack trace from every worker.
 */
export function secretProblem(secret) {
  try {
    // Only the options are checked: a MemoryStore opens no file, so the primary holds none of
    // the workers' cache file (the default store would be opened here).
    createSessionManager({ secret, store: new MemoryStore() });
    return undefined;
  } catch (err) {
    if (isSessionError(err, 'ERR_SESSION_OPTIONS')) return err.message;
    throw err;
  }
}
