/** Programmatic entry to the `fastmmap` command, e.g. to embed it in another CLI. */
export { CliError, UsageError } from './errors.js';
export { ExitCode, type ExitCodeValue } from './exit-codes.js';
export type { CliIo } from './io.js';
export { main } from './main.js';
export type { StatsJson } from './stats-report.js';
