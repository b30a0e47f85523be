import type { SessionFailureCount } from '../manager/failures.js';
import { escapeHelp, formatLabels } from './exposition.js';

/** The labels a failure series adds to the caller's: a caller's label of the same name clashes. */
export const failureLabelNames = ['operation', 'code'] as const;

const NAME = 'session_failures_total';
const HELP =
  'Session loads, commits, regenerates and destroys that failed in this process, by error code (ERR_SESSION_STORE_UNAVAILABLE: the store could not serve). Per process, unlike the cache counters.';

interface FailureSeries {
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly failures: readonly SessionFailureCount[];
}

/** The counter family's lines, or none when no source is a manager. */
export function failureLines(prefix: string, series: readonly FailureSeries[]): string[] {
  if (series.length === 0) return [];
  const name = prefix + NAME;
  const lines = [`# HELP ${name} ${escapeHelp(HELP)}`, `# TYPE ${name} counter`];
  for (const { labels, failures } of series) {
    for (const { operation, code, count } of failures) {
      const all = [...labels, ['operation', operation] as const, ['code', code] as const];
      lines.push(`${name}${formatLabels(all)} ${count}`);
    }
  }
  return lines;
}
