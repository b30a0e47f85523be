import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

// Through package.json's `bin`: TypeScript 7's `exports` leaves out `./bin/tsc`.
function tscOf(name: string): string {
  const manifest = require.resolve(`${name}/package.json`);
  const { bin } = require(manifest) as { bin: { tsc: string } };
  return join(dirname(manifest), bin.tsc);
}

// The build's compiler, and the next majors an app may use (npm aliases: all three are named
// `typescript`, so each is found by its alias, never by `node_modules/.bin/tsc`).
const compilers = {
  typescript: tscOf('typescript'),
  'typescript-6': tscOf('typescript-6'),
  'typescript-7': tscOf('typescript-7'),
};

export type TypeScriptCompiler = keyof typeof compilers;

/**
 * What `tsc -p project` prints: its errors, or '' when the project type-checks. For tests of
 * an adapter's typings as an app's code meets them (vitest strips types without checking).
 */
export function typeErrors(project: string, compiler: TypeScriptCompiler = 'typescript'): string {
  const out = spawnSync(process.execPath, [compilers[compiler], '-p', project], {
    encoding: 'utf8',
  });
  return out.stdout + out.stderr;
}
