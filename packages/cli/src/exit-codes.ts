/** Process exit codes, documented in the README and `fastmmap --help`. Scripts rely on them. */
export const ExitCode = {
  ok: 0,
  /** Anything that went wrong at run time: missing file, permission, lock timeout... */
  error: 1,
  /** Unknown command or option, missing argument, `clear` without `--yes`. */
  usage: 2,
  /** The file is not a fastmmap cache file, or one of another format version. */
  notACacheFile: 3,
  /** `get` or `delete` of a key that is not in the cache. */
  notFound: 4,
  /** `verify` found bad records or pages, or some were left after `purge` repaired them. */
  verifyFailed: 5,
  /** `copy` made the new file but left items out: too large for its pages, or no room. */
  copyIncomplete: 6,
  /**
   * `verify` found a page lock kept through every look by a process that cannot let go
   * (stopped, traced, frozen): the apps' writes to its pages wait, then fail. Comes before 5:
   * purge needs the lock too.
   */
  lockHeld: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
