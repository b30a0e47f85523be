// The system packages this workspace needs and npm cannot install: the compilers that build
// the native addons (fs-ext always compiles; pnpm install fails without them), and
// redis-server for the Redis tests. Run by `pnpm install` (pnpm:devPreinstall, before any
// dependency is built) as `build`, and by `pnpm test` as `tests`, so the README's two commands
// work on a fresh Debian machine with only Node and npm. As root with apt-get, what is missing
// is installed; otherwise this says what to install and leaves the decision to the user.
// FASTMMAP_NO_APT=1: never run apt-get.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const NEEDS = {
  build: [
    { what: 'python3', commands: ['python3'], pkg: 'python3' },
    { what: 'make', commands: ['make'], pkg: 'make' },
    {
      what: 'a C++ compiler',
      commands: process.env.CXX ? [process.env.CXX] : ['g++', 'c++', 'clang++'],
      pkg: 'g++',
    },
  ],
  tests: [
    {
      what: 'redis-server',
      commands: process.env.REDIS_SERVER_BIN ? [process.env.REDIS_SERVER_BIN] : ['redis-server'],
      pkg: 'redis-server',
    },
  ],
};

function onPath(command) {
  const dirs = command.includes('/') ? [''] : (process.env.PATH ?? '').split(delimiter);
  return dirs.some((dir) => {
    try {
      accessSync(dir ? join(dir, command) : command, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function say(line) {
  console.error(`fastmmap-session: ${line}`);
}

/** apt-get's progress (dpkg's unpacking lines) is left out; its errors are shown. */
function run(command, args) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
}

const purpose = process.argv[2];
const needs = NEEDS[purpose];
if (needs === undefined) {
  say(`usage: node scripts/system-packages.mjs ${Object.keys(NEEDS).join('|')}`);
  process.exit(2);
}
const missing = needs.filter((need) => !need.commands.some(onPath));
if (missing.length === 0) process.exit(0);

const names = missing.map((need) => need.what).join(', ');
const pkgs = missing.map((need) => need.pkg);
const forWhat = purpose === 'build' ? 'to build the native addons' : 'for the Redis tests';
const canApt =
  process.env.FASTMMAP_NO_APT !== '1' && process.geteuid?.() === 0 && onPath('apt-get');
if (!canApt) {
  say(`${names} missing ${forWhat}. On Debian/Ubuntu: sudo apt-get install ${pkgs.join(' ')}`);
  if (purpose === 'tests') say('without it the Redis tests are skipped (CI=true fails them)');
  // Not a failure here: a compiler this check does not know of may still do.
  process.exit(0);
}

say(`installing ${pkgs.join(' ')} with apt-get ${forWhat} (FASTMMAP_NO_APT=1 skips this)`);
const installed =
  run('apt-get', ['update', '-qq']) &&
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
if (!installed) {
  say(`apt-get could not install ${pkgs.join(' ')}: install them, then run this again`);
  process.exit(1);
}
// Debian starts a system redis on port 6379; the tests start their own on free ports.
if (pkgs.includes('redis-server') && onPath('service')) {
  spawnSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
}
