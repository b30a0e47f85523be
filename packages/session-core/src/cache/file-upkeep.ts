import { type FileIdentity, pathState } from './file-identity.js';
import type { StripeLocks } from './locks.js';

/** How often a writing instance sets its lock files' times, so temp cleaners see them used. */
const TOUCH_INTERVAL_MS = 3_600_000;

/** How often a writing instance checks that its path still names the file it mapped. */
const FILE_CHECK_INTERVAL_MS = 10_000;

/**
 * A writer's periodic care of the files it uses, run after its writes: it keeps the lock files
 * looking used (temp cleaners delete old files), and warns once when the cache file or a lock
 * file was deleted or replaced under it (processes started later would not share with it).
 */
export class FileUpkeep {
  /** When the lock files' times were last set. */
  #touchedAt: number;
  #checkedAt: number;
  #replaced = false;

  constructor(
    private readonly path: string,
    private readonly identity: FileIdentity,
    private readonly locks: StripeLocks,
    now: number,
  ) {
    this.#touchedAt = now;
    this.#checkedAt = now;
    // Only lock files not set within the interval: a process restarted by a file watcher (PM2
    // --watch with the cache in the app's directory) would otherwise change them at every
    // start, and the watcher would restart it again, forever.
    locks.touch(now, TOUCH_INTERVAL_MS);
  }

  afterWrite(now: number): void {
    if (due(now, this.#touchedAt, TOUCH_INTERVAL_MS)) {
      this.#touchedAt = now;
      this.locks.touch(now);
    }
    if (this.#replaced || !due(now, this.#checkedAt, FILE_CHECK_INTERVAL_MS)) return;
    this.#checkedAt = now;
    const replaced = this.replacement();
    if (replaced === undefined) return;
    this.#replaced = true;
    process.emitWarning(`${replaced} Restart every process that uses it.`, {
      type: 'FastMmapFileReplacedWarning',
      code: 'FASTMMAP_FILE_REPLACED',
    });
  }

  /** What was deleted or replaced, and what that does; undefined when nothing was. */
  private replacement(): string | undefined {
    const lockFile = this.locks.replacedLockFile();
    if (lockFile !== undefined) {
      return `fastmmap lock file ${lockFile} was deleted or replaced while this process had ${this.path} open: processes started from now on lock through other files and do not exclude this one, so their writes can damage pages of the cache.`;
    }
    if (pathState(this.path, this.identity) !== 'same') {
      return `fastmmap cache ${this.path} was deleted or replaced while this process had it open: processes started from now on use another file and share nothing with this one (sessions split between workers).`;
    }
    return undefined;
  }
}

/**
 * Whether a periodic check last done at `last` is due again. A clock set back (an NTP step)
 * makes it due at once: waiting for `now - last` to grow past the interval would skip the
 * check until the clock caught up again, hours later.
 */
function due(now: number, last: number, intervalMs: number): boolean {
  return now - last >= intervalMs || now < last;
}
