// `pnpm bench`: the three benchmarks with targets (cache, store, http), one after another, each
// in its own process so none warms or loads the machine for the next; a summary at the end.
// Exits 1 when any benchmark reports a missed target (or fails), like each one alone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES = ['cache', 'store', 'http'];
const outcomes = [];
for (const name of BENCHES) {
  console.log(`\n===== bench:${name} =====\n`);
  const run = spawnSync(process.execPath, [join(import.meta.dirname, name, 'run.mjs')], {
    stdio: 'inherit',
  });
  outcomes.push({ name, status: run.status, signal: run.signal });
}
console.log('\n===== summary =====');
for (const { name, status, signal } of outcomes) {
  const what =
    status === 0
      ? 'every target met'
      : signal
        ? `killed by ${signal}`
        : status === 1
          ? 'a target missed, or it failed (see above)'
          : `failed with exit code ${status} (see above)`;
  console.log(`bench:${name}: ${what}`);
}
process.exit(outcomes.every((o) => o.status === 0) ? 0 : 1);
