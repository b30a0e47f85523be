import { FastMmapError } from './errors.js';
import type { PressureInfo, PressureOptions } from './types.js';

const DEFAULT_INTERVAL_MS = 60_000;

function defaultOnPressure(info: PressureInfo): void {
  process.emitWarning(
    `fastmmap cache ${info.path} evicted ${info.evictedUnexpired} unexpired items in ${info.intervalMs} ms: it is too small for its working set (sessions are being lost). Raise cacheSize from ${info.cacheSize} to about ${info.suggestedCacheSize} bytes.`,
    { type: 'FastMmapPressureWarning', code: 'FASTMMAP_PRESSURE' },
  );
}

/** What the monitor needs from the cache: shared counters, read lazily. */
export interface PressureSource {
  /** Unexpired evictions so far, all processes (monotonic). */
  evictionsUnexpired(): number;
  /** Live items and the page-area size now. */
  usage(): { items: number; cacheSize: number; pageSize: number };
}

/**
 * Watches unexpired evictions (in the file, so every process's count) per interval and calls
 * onPressure at most once per interval. No timers: it runs on writes that evicted, and on the
 * first write after an interval ends.
 */
export class PressureMonitor {
  private readonly max: number;
  private readonly intervalMs: number;
  private readonly onPressure: (info: PressureInfo) => void;
  private windowStart = Number.NaN;
  private windowBase = 0;
  private reported = false;

  constructor(
    options: PressureOptions | undefined,
    private readonly path: string,
    private readonly source: PressureSource,
  ) {
    const o = options ?? {};
    this.max = o.maxEvictionsPerInterval ?? 0;
    this.intervalMs = o.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.onPressure = o.onPressure ?? defaultOnPressure;
    if (!Number.isFinite(this.max) || this.max < 0) {
      throw new FastMmapError(
        'ERR_FASTMMAP_INVALID_OPTION',
        'pressure.maxEvictionsPerInterval must be a number >= 0',
      );
    }
    if (!Number.isFinite(this.intervalMs) || this.intervalMs <= 0) {
      throw new FastMmapError(
        'ERR_FASTMMAP_INVALID_OPTION',
        'pressure.intervalMs must be a number > 0',
      );
    }
    if (typeof this.onPressure !== 'function') {
      throw new FastMmapError(
        'ERR_FASTMMAP_INVALID_OPTION',
        'pressure.onPressure must be a function',
      );
    }
  }

  /** Called after every write; `evicted` is what this write evicted (usually 0: cheap exit). */
  afterWrite(now: number, evicted: number): void {
    if (evicted === 0 && now - this.windowStart < this.intervalMs) return;
    if (
      Number.isNaN(this.windowStart) ||
      now - this.windowStart >= this.intervalMs ||
      now < this.windowStart
    ) {
      this.windowStart = now;
      this.windowBase = this.source.evictionsUnexpired() - evicted;
      this.reported = false;
    }
    if (evicted === 0 || this.reported) return;
    const inWindow = this.source.evictionsUnexpired() - this.windowBase;
    if (inWindow <= this.max) return;
    this.reported = true;
    const { items, cacheSize, pageSize } = this.source.usage();
    // Room for what is kept plus what was pushed out, with a quarter spare.
    const factor = ((items + inWindow) / Math.max(1, items)) * 1.25;
    const suggested = Math.ceil((cacheSize * factor) / pageSize) * pageSize;
    this.onPressure({
      evictedUnexpired: inWindow,
      intervalMs: this.intervalMs,
      cacheSize,
      suggestedCacheSize: suggested,
      path: this.path,
    });
  }
}
