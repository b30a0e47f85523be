// The system packages this workspace needs and npm cannot install: the compilers that build
// the native addons (fs-ext and session-core's page locks always compile; pnpm install fails
// without them), and redis-server for the Redis tests. Run by `pnpm install`
// (pnpm:devPreinstall, before any dependency is built) as `build`, and by `pnpm test` as
// `tests`, so the README's two commands work on a fresh Debian machine with only Node and npm.
// As root with apt-get, what is missing is installed; otherwise this says what to install and
// leaves the decision to the user.
// FASTMMAP_NO_APT=1: never run apt-get.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// `env`: the variable that names the command instead (what the build or the tests then use).
const NEEDS = {
  build: [
    { what: 'python3', commands: ['python3'], pkg: 'python3' },
    { what: 'make', commands: ['make'], pkg: 'make' },
    // node-gyp's Makefile runs $CXX, else make's default g++: a c++ or clang++ does not do.
    // Debian's g++ brings gcc, whose cc builds session-core's own addon (C).
    { what: 'g++', env: 'CXX', commands: ['g++'], pkg: 'g++' },
  ],
  tests: [
    {
      what: 'redis-server',
      env: 'REDIS_SERVER_BIN',
      commands: ['redis-server'],
      pkg: 'redis-server',
    },
  ],
};

// pnpm puts node_modules/.bin directories first on PATH (also /tmp/node_modules/.bin for a
// checkout under /tmp): a dependency's bin, or anyone's, must never run as root's apt-get.
const SYSTEM_PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !dir.split('/').includes('node_modules'));

function found(command, dirs = (process.env.PATH ?? '').split(delimiter)) {
  return (command.includes('/') ? [''] : dirs).some((dir) => {
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

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * A system command, as root, from the system part of PATH. Its progress (dpkg's unpacking
 * lines) is left out; its errors are shown. A lock held by another apt (unattended-upgrades on
 * a freshly booted VM) is waited out, up to 5 minutes: apt-get itself fails at once.
 */
function run(command, args) {
  const env = {
    ...process.env,
    PATH: SYSTEM_PATH.join(delimiter),
    DEBIAN_FRONTEND: 'noninteractive',
  };
  for (let tries = 1; ; tries++) {
    const r = spawnSync(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
      encoding: 'utf8',
    });
    if (r.status === 0) return true;
    if (!/Could not get lock/.test(r.stderr ?? '') || tries >= 150) {
      process.stderr.write(r.stderr ?? '');
      return false;
    }
    if (tries === 1) say('another apt-get or dpkg holds its lock: waiting for it');
    Atomics.wait(sleepCell, 0, 0, 2000);
  }
}

const purpose = process.argv[2];
const needs = NEEDS[purpose];
if (needs === undefined) {
  say(`usage: node scripts/system-packages.mjs ${Object.keys(NEEDS).join('|')}`);
  process.exit(2);
}

// A command named by its variable (CXX='ccache g++': the first word) is the user's choice:
// when it is not there, installing the default package would not help.
const chosen = (need) => (need.env ? process.env[need.env]?.trim().split(/\s+/)[0] : undefined);
for (const need of needs) {
  const command = chosen(need);
  if (command && !found(command)) say(`${need.env}=${process.env[need.env]}: no such command`);
}
const missing = needs.filter((need) => !chosen(need) && !need.commands.some((c) => found(c)));
if (missing.length === 0) process.exit(0);

const names = missing.map((need) => need.what).join(', ');
const pkgs = missing.map((need) => need.pkg);
const forWhat = purpose === 'build' ? 'to build the native addons' : 'for the Redis tests';
const canApt =
  process.env.FASTMMAP_NO_APT !== '1' && process.geteuid?.() === 0 && found('apt-get', SYSTEM_PATH);
if (!canApt) {
  say(`${names} missing ${forWhat}. On Debian/Ubuntu: sudo apt-get install ${pkgs.join(' ')}`);
  if (purpose === 'tests') say('without it the Redis tests are skipped (CI=true fails them)');
  // Not a failure here: the build's or the tests' own error says the rest.
  process.exit(0);
}

say(`installing ${pkgs.join(' ')} with apt-get ${forWhat} (FASTMMAP_NO_APT=1 skips this)`);
const installed =
  run('apt-get', ['update', '-qq']) &&
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
if (!installed) {
  say(`apt-get could not install ${pkgs.join(' ')}: install them, then run this again`);
  // Without redis-server the Redis tests skip loudly (and fail under CI=true): an apt-get that
  // failed (offline, locked) must not stop every other test.
  process.exit(purpose === 'tests' && process.env.CI !== 'true' ? 0 : 1);
}
// Debian starts the Redis it just installed on port 6379; the tests start their own on free
// ports. (A redis-server installed before was found above: this never stops one in use.)
if (pkgs.includes('redis-server') && found('service', SYSTEM_PATH)) {
  run('service', ['redis-server', 'stop']);
}
