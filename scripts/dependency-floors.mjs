// Runs the tests with every direct dependency at the lowest version its range admits, in a
// scratch copy of the working tree. The lockfile pins the newest versions, so `pnpm test` never
// meets a range floor that is too low. Three were (cookie 1.0, cbor-x 1.6.0, node-redis
// 5.8.0), each breaking users whose trees already held the old version. The
// adapters' devDependencies share their peer ranges' floors, so the frameworks are tried at
// the oldest versions the adapters accept. Needs the npm registry; not part of CI (transitive
// dependencies still float to their newest, so a run is not reproducible).
// Usage: node scripts/dependency-floors.mjs [--keep] [vitest arguments, e.g. packages/hono]
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const vitestArgs = args.filter((arg) => arg !== '--keep');

function run(command, commandArgs, cwd) {
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`floors: ${command} ${commandArgs.join(' ')} failed; the copy is in ${cwd}`);
    process.exit(result.status ?? 1);
  }
}

const copy = mkdtempSync(join(tmpdir(), 'fastmmap-floors-'));
// mkdtemp makes it 0700: the tests that run a process as `nobody` must be able to enter it.
chmodSync(copy, 0o755);
// Tracked and new files, not node_modules, dist or a stale lockfile resolution.
const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
});
if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
for (const file of listed.stdout.split('\0')) {
  if (file === '' || file === 'pnpm-lock.yaml') continue;
  try {
    cpSync(join(root, file), join(copy, file));
  } catch (err) {
    // A tracked file deleted in the working tree is not part of what is tested.
    if (err.code !== 'ENOENT') throw err;
  }
}
appendFileSync(join(copy, 'pnpm-workspace.yaml'), '\nresolutionMode: lowest-direct\n');

run('npx', ['--yes', 'pnpm@12.4.2', 'install', '--no-frozen-lockfile'], copy);
printFloors(copy);
run('node_modules/.bin/tsc', ['-b'], copy);
run('node_modules/.bin/vitest', ['run', ...vitestArgs], copy);
if (keep) console.log(`floors: passed; the copy is in ${copy}`);
else rmSync(copy, { recursive: true, force: true });

/** What each published package's dependencies (optional ones too) and peers resolved to. */
function printFloors(dir) {
  const packages = JSON.parse(
    spawnSync('npx', ['--yes', 'pnpm@12.4.2', 'list', '-r', '--depth', '0', '--json'], {
      cwd: dir,
      encoding: 'utf8',
    }).stdout,
  );
  for (const pkg of packages) {
    const manifest = JSON.parse(readFileSync(join(pkg.path, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const wanted = {
      ...manifest.dependencies,
      ...manifest.optionalDependencies,
      ...manifest.peerDependencies,
    };
    const resolved = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies };
    const lines = Object.entries(resolved)
      .filter(([name, info]) => name in wanted || info.from in wanted)
      .filter(([, info]) => !info.version.startsWith('link:'))
      .map(([name, info]) => `${name}@${info.version}`);
    console.log(`floors: ${manifest.name}: ${lines.join(', ')}`);
  }
}
