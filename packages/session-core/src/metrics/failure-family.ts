import type { FailedOperation, SessionFailureCount } from '../manager/failures.js';
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

// An outage's series are rendered at 0 before it: a series that first appears at 1 shows no
// increase() to Prometheus, so the alert on the first outage of a process would never fire.
const OUTAGE = 'ERR_SESSION_STORE_UNAVAILABLE';
const OPERATIONS: readonly FailedOperation[] = ['load', 'commit', 'regenerate', 'destroy'];

function withOutageSeries(failures: readonly SessionFailureCount[]): SessionFailureCount[] {
  const outage = OPERATIONS.map(
    (operation) =>
      failures.find((f) => f.operation === operation && f.code === OUTAGE) ?? {
        operation,
        code: OUTAGE,
        count: 0,
      },
  );
  return [...outage, ...failures.filter((f) => f.code !== OUTAGE)];
}

/** The counter family's lines, or none when no source is a manager. */
export function failureLines(prefix: string, series: readonly FailureSeries[]): string[] {
  if (series.length === 0) return [];
  const name = prefix + NAME;
  const lines = [`# HELP ${name} ${escapeHelp(HELP)}`, `# TYPE ${name} counter`];
  for (const { labels, failures } of series) {
    for (const { operation, code, count } of withOutageSeries(failures)) {
      const all = [...labels, ['operation', operation] as const, ['code', code] as const];
      lines.push(`${name}${formatLabels(all)} ${count}`);
    }
  }
  return lines;
}
