import { FastMmapError } from '../cache/errors.js';
import type { CacheStats } from '../cache/types.js';
import { type SessionFailureCount, sessionFailures } from '../manager/failures.js';
import type { SessionManager } from '../manager/types.js';
import {
  escapeHelp,
  formatLabels,
  formatSampleValue,
  isValidLabelName,
  isValidMetricName,
} from './exposition.js';
import { failureLabelNames, failureLines } from './failure-family.js';
import { cacheFamilies, infoFamily } from './families.js';

/**
 * A `FastMmapCache`, anything whose `stats()` delegates to one, a store that exposes its cache
 * as `cache` (like `FastMmapStore`), or the stats themselves. Or a manager from
 * createSessionManager() (an adapter's `session().manager`): its failure counters, plus its
 * store's cache figures when the store is a FastMmapStore.
 */
export type MetricsSource =
  | CacheStats
  | { stats(): CacheStats }
  | { readonly cache: { stats(): CacheStats } }
  | SessionManager;

/** One of several caches rendered together; `labels` tell their series apart. */
export interface LabeledMetricsSource {
  source: MetricsSource;
  labels?: Readonly<Record<string, string>>;
}

export interface RenderPrometheusOptions {
  /** Prepended to every metric name. Default `'fastmmap_'`. */
  prefix?: string;
  /** Added to every series, e.g. `{ app: 'shop' }`. */
  labels?: Readonly<Record<string, string>>;
}

type LabelPairs = Array<[string, string]>;

function invalid(message: string): FastMmapError {
  return new FastMmapError('ERR_FASTMMAP_INVALID_OPTION', message);
}

/** What one source gives: cache figures, a manager's failures, or both. */
interface SourceReading {
  stats: CacheStats | undefined;
  failures: SessionFailureCount[] | undefined;
}

function readSource(source: MetricsSource): SourceReading {
  const failures = sessionFailures(source);
  if (failures === undefined) return { stats: readStats(source), failures };
  // A manager: its store's cache if it has one (a RedisStore has none, and is no error).
  const store = (source as SessionManager).store as unknown as MetricsSource;
  return { stats: hasCache(store) ? readStats(store) : undefined, failures };
}

function hasCache(store: unknown): boolean {
  const value = store as { stats?: unknown; cache?: { stats?: unknown } } | null;
  return typeof value?.stats === 'function' || typeof value?.cache?.stats === 'function';
}

function readStats(source: MetricsSource): CacheStats {
  if (source === null || typeof source !== 'object') {
    throw invalid(
      'renderPrometheus: source must be a cache, a store with stats(), CacheStats or a session manager',
    );
  }
  const stats =
    'stats' in source && typeof source.stats === 'function'
      ? source.stats()
      : 'cache' in source && typeof source.cache?.stats === 'function'
        ? source.cache.stats()
        : source;
  if (typeof (stats as { then?: unknown }).then === 'function') {
    throw invalid('renderPrometheus: stats() returned a promise; await it and pass the result');
  }
  if (
    !Array.isArray((stats as CacheStats).pages) ||
    typeof (stats as CacheStats).hits !== 'number'
  ) {
    throw invalid('renderPrometheus: source is neither a cache nor a CacheStats object');
  }
  return stats as CacheStats;
}

function toLabelPairs(labels: Readonly<Record<string, string>> | undefined): LabelPairs {
  const pairs: LabelPairs = [];
  for (const [name, value] of Object.entries(labels ?? {})) {
    if (!isValidLabelName(name)) {
      throw invalid(`renderPrometheus: invalid label name ${JSON.stringify(name)}`);
    }
    if (typeof value !== 'string') {
      throw invalid(`renderPrometheus: label ${name} must have a string value`);
    }
    pairs.push([name, value]);
  }
  return pairs;
}

interface Series extends SourceReading {
  labels: LabelPairs;
}

function collectSeries(
  source: MetricsSource | readonly LabeledMetricsSource[],
  common: LabelPairs,
): Series[] {
  const entries: readonly LabeledMetricsSource[] = Array.isArray(source)
    ? source
    : [{ source: source as MetricsSource }];
  const seen = new Set<string>();
  return entries.map((entry) => {
    const labels = [...common, ...toLabelPairs(entry.labels)];
    const names = new Set(labels.map(([name]) => name));
    if (names.size !== labels.length) {
      throw invalid('renderPrometheus: a label is given twice (options.labels and a source)');
    }
    // Two sources with the same label set would emit duplicate series: an invalid scrape.
    const identity = formatLabels(labels);
    if (seen.has(identity)) {
      throw invalid(`renderPrometheus: two sources share the labels ${identity || '{}'}`);
    }
    seen.add(identity);
    const reading = readSource(entry.source);
    const clash = failureLabelNames.find((name) => names.has(name));
    if (reading.failures !== undefined && clash !== undefined) {
      throw invalid(`renderPrometheus: the label ${clash} is the failure counter's own`);
    }
    return { ...reading, labels };
  });
}

type CacheSeries = Series & { stats: CacheStats };
type FailureSeries = Series & { failures: SessionFailureCount[] };

/** The cache families, for the sources that have a cache (none when only a Redis manager has). */
function cacheLines(prefix: string, all: readonly Series[]): string[] {
  const series = all.filter((s) => s.stats !== undefined) as CacheSeries[];
  const lines: string[] = [];
  if (series.length === 0) return lines;
  for (const family of cacheFamilies) {
    const name = prefix + family.name;
    lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`);
    for (const { stats, labels } of series) {
      lines.push(`${name}${formatLabels(labels)} ${formatSampleValue(family.value(stats))}`);
    }
  }
  const infoName = prefix + infoFamily.name;
  lines.push(`# HELP ${infoName} ${escapeHelp(infoFamily.help)}`, `# TYPE ${infoName} gauge`);
  for (const { stats, labels } of series) {
    // A user label of the same name (say `path`) wins over the file's own.
    const identity = infoFamily.labels(stats).filter(([name]) => !labels.some(([n]) => n === name));
    lines.push(`${infoName}${formatLabels([...labels, ...identity])} 1`);
  }
  return lines;
}

/**
 * Renders cache statistics in the Prometheus text exposition format 0.0.4: one HELP and TYPE
 * line per family, then its samples. Serve it with `prometheusContentType`.
 */
export function renderPrometheus(
  source: MetricsSource | readonly LabeledMetricsSource[],
  options: RenderPrometheusOptions = {},
): string {
  const prefix = options.prefix ?? 'fastmmap_';
  if (typeof prefix !== 'string' || (prefix !== '' && !isValidMetricName(prefix))) {
    throw invalid(`renderPrometheus: invalid metric name prefix ${JSON.stringify(prefix)}`);
  }
  const series = collectSeries(source, toLabelPairs(options.labels));
  const lines = cacheLines(prefix, series);
  const managers = series.filter((s) => s.failures !== undefined) as FailureSeries[];
  lines.push(...failureLines(prefix, managers));

  // The format requires a line feed after the last line.
  return `${lines.join('\n')}\n`;
}
