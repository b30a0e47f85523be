import { type FileIdentity, pathState } from './file-identity.js';

/** How often a writing instance checks that its path still names the file it mapped. */
const FILE_CHECK_INTERVAL_MS = 10_000;

/**
 * A writer's periodic check, run after its writes: it warns once when the cache file was
 * deleted or replaced under it (processes started later would not share with it).
 */
export class FileUpkeep {
  #checkedAt: number;
  #replaced = false;

  constructor(
    private readonly path: string,
    private readonly identity: FileIdentity,
    now: number,
  ) {
    this.#checkedAt = now;
  }

  afterWrite(now: number): void {
    if (this.#replaced || !due(now, this.#checkedAt, FILE_CHECK_INTERVAL_MS)) return;
    this.#checkedAt = now;
    if (pathState(this.path, this.identity) === 'same') return;
    this.#replaced = true;
    process.emitWarning(
      `fastmmap cache ${this.path} was deleted or replaced while this process had it open: processes started from now on use another file and share nothing with this one (sessions split between workers). Restart every process that uses it.`,
      { type: 'FastMmapFileReplacedWarning', code: 'FASTMMAP_FILE_REPLACED' },
    );
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
