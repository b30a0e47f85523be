import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * What `tsc -p project` prints: its errors, or '' when the project type-checks. For tests of
 * an adapter's typings as an app's code meets them (vitest strips types without checking).
 */
export function typeErrors(project: string): string {
  const out = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  return out.stdout + out.stderr;
}
