import { FastMmapError } from './errors.js';
import { RECORDS_PER_PAGE, type SizingFacts, suggestCacheSize } from './sizing.js';
import type { PressureInfo, PressureOptions } from './types.js';

const DEFAULT_INTERVAL_MS = 60_000;

function defaultOnPressure(info: PressureInfo): void {
  const why =
    info.pageSizeReason === 'largestRecord'
      ? `a page must hold at least ${RECORDS_PER_PAGE} of the largest items, or the pages they land on stay full`
      : 'a page holds too few of these items to fill evenly';
  const pageSize =
    info.suggestedPageSize !== info.pageSize
      ? `, with pageSize ${info.suggestedPageSize} (now ${info.pageSize}: ${why})`
      : '';
  const advice =
    info.suggestedCacheSize > info.cacheSize
      ? `Raise cacheSize from ${info.cacheSize} to about ${info.suggestedCacheSize} bytes${pageSize}.`
      : `It is already the largest file the format allows (below 2 GiB): shorten the expiry or keep less in each session.`;
  process.emitWarning(
    `fastmmap cache ${info.path} evicted ${info.evictedUnexpired} unexpired items in ${info.intervalMs} ms: it is too small for its working set (sessions are being lost). ${advice}`,
    { type: 'FastMmapPressureWarning', code: 'FASTMMAP_PRESSURE' },
  );
}

/** The pressure options, checked (before the file is opened) and with their defaults. */
export function checkPressureOptions(options: PressureOptions | undefined): {
  max: number;
  intervalMs: number;
  onPressure: (info: PressureInfo) => void;
} {
  const invalid = (message: string) => new FastMmapError('ERR_FASTMMAP_INVALID_OPTION', message);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalid(
      'pressure must be an object ({ maxEvictionsPerInterval, intervalMs, onPressure })',
    );
  }
  const max = options?.maxEvictionsPerInterval ?? 0;
  const intervalMs = options?.intervalMs ?? DEFAULT_INTERVAL_MS;
  const onPressure = options?.onPressure ?? defaultOnPressure;
  if (!Number.isFinite(max) || max < 0) {
    throw invalid('pressure.maxEvictionsPerInterval must be a number >= 0');
  }
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw invalid('pressure.intervalMs must be a number > 0');
  }
  if (typeof onPressure !== 'function') throw invalid('pressure.onPressure must be a function');
  return { max, intervalMs, onPressure };
}

/** What the monitor needs from the cache: shared counters, read lazily. */
export interface PressureSource {
  /** Unexpired evictions so far, all processes (monotonic). */
  evictionsUnexpired(): number;
  /** The file's geometry and items now (its evictions are the window's, given by the monitor). */
  usage(): Omit<SizingFacts, 'evictedUnexpired'>;
}

/**
 * Watches unexpired evictions (in the file, so every process's count) per interval. No timers:
 * on the first write after an interval ends it closes that window, and calls onPressure if
 * more live items were evicted in it than allowed, with the window's real count and length
 * (reporting at the first eviction instead gave a count of one or two and advice to match).
 */
export class PressureMonitor {
  private readonly max: number;
  private readonly intervalMs: number;
  private readonly onPressure: (info: PressureInfo) => void;
  private windowStart = Number.NaN;
  private windowBase = 0;

  constructor(
    options: PressureOptions | undefined,
    private readonly path: string,
    private readonly source: PressureSource,
  ) {
    const checked = checkPressureOptions(options);
    this.max = checked.max;
    this.intervalMs = checked.intervalMs;
    this.onPressure = checked.onPressure;
  }

  /** Called after every write (a comparison, until an interval has passed). */
  afterWrite(now: number): void {
    // False while windowStart is NaN. A clock that went back (an NTP step, an operator's
    // `date -s`) falls through too: otherwise the window would stay open, and the monitor
    // silent, until the clock caught up again, hours later.
    if (now >= this.windowStart && now - this.windowStart < this.intervalMs) return;
    const total = this.source.evictionsUnexpired();
    const start = this.windowStart;
    const base = this.windowBase;
    // The next window opens before the hook runs: one that throws must not be judged again on
    // every later write.
    this.windowStart = now;
    this.windowBase = total;
    // A clock that went back starts a new window without judging the old one.
    if (now >= start) this.judge(total - base, now - start);
  }

  private judge(evicted: number, spanMs: number): void {
    if (evicted <= this.max) return;
    const usage = this.source.usage();
    // Room for what is kept plus what was pushed out in the window: the CLI's computation.
    const suggested = suggestCacheSize({ ...usage, evictedUnexpired: evicted });
    const info: PressureInfo = {
      evictedUnexpired: evicted,
      intervalMs: spanMs,
      cacheSize: usage.numPages * usage.pageSize,
      pageSize: usage.pageSize,
      suggestedCacheSize: suggested.cacheSize,
      suggestedPageSize: suggested.pageSize,
      pageSizeReason: suggested.pageSizeReason,
      largestRecord: usage.largestRecord ?? 0,
      path: this.path,
    };
    try {
      this.onPressure(info);
    } catch (err) {
      // The write has landed: a throw would tell the caller it failed (a retry, an error page).
      // A process warning, as for other failures nobody awaits (the sweeper's, a destroy's).
      process.emitWarning(
        `fastmmap cache ${this.path}: pressure.onPressure threw (${(err as Error)?.message ?? String(err)}); the write that ran it succeeded`,
        { type: 'FastMmapPressureWarning', code: 'FASTMMAP_PRESSURE_HOOK_FAILED' },
      );
    }
  }
}
