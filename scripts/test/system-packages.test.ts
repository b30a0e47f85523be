// scripts/system-packages.mjs against a PATH of fake commands: a fake apt-get records its
// calls and "installs" a package by adding its command, so nothing is installed for real.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const source = join(import.meta.dirname, '..', 'system-packages.mjs');
const NOBODY = 65534;

let bin: string;
let log: string;
/** The script's copy in `bin`: nobody may not reach the checkout (a clone under /root). */
let script: string;

function fakeCommand(name: string, body = 'exit 0'): void {
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/** apt-get that logs its arguments; `install` adds a fake command per package (g++ → g++). */
function fakeAptGet(exitCode = 0): void {
  fakeCommand(
    'apt-get',
    [
      `echo "apt-get $*" >> ${log}`,
      `[ ${exitCode} -ne 0 ] && exit ${exitCode}`,
      'if [ "$1" = install ]; then',
      '  for p in "$@"; do case "$p" in -*|install) ;; *)',
      `    printf '#!/bin/sh\\n' > ${bin}/$p; /bin/chmod 755 ${bin}/$p;; esac; done`,
      'fi',
    ].join('\n'),
  );
}

function run(purpose: string, env: NodeJS.ProcessEnv = {}, asNobody = false) {
  const result = spawnSync(process.execPath, [script, purpose], {
    encoding: 'utf8',
    env: { PATH: bin, ...env },
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code: result.status, err: result.stderr, calls };
}

beforeAll(() => {
  if (process.geteuid?.() !== 0)
    throw new Error('these tests run the script as root and as nobody: run as root (CI does)');
});

afterEach(() => {
  rmSync(bin, { recursive: true, force: true });
});

function freshBin(...present: string[]): void {
  bin = mkdtempSync(join(dirname(tmpdir()), 'fastmmap-syspkg-'));
  chmodSync(bin, 0o755); // nobody runs the fake commands too (the test run's TMPDIR is 0700: not under it)
  log = join(bin, 'calls.log');
  // Writable by nobody too: a fake command it ran by mistake must leave its trace.
  writeFileSync(log, '');
  chmodSync(log, 0o666);
  for (const name of present) fakeCommand(name);
  script = join(bin, 'system-packages.mjs');
  copyFileSync(source, script);
}

describe('system-packages.mjs build', () => {
  it('does nothing, silently, when python3, make and a C++ compiler are there', () => {
    freshBin('python3', 'make', 'g++');
    fakeAptGet();
    expect(run('build')).toEqual({ code: 0, err: '', calls: [] });
  });

  it('installs g++ when only c++ or clang++ is there: make runs g++ unless CXX says otherwise', () => {
    freshBin('python3', 'make', 'c++', 'clang++');
    fakeAptGet();
    expect(run('build').calls).toContain('apt-get install -y -qq --no-install-recommends g++');
  });

  it('as root, installs only what is missing with apt-get', () => {
    freshBin('python3');
    fakeAptGet();
    const { code, err, calls } = run('build');
    expect(code).toBe(0);
    expect(calls).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends make g++',
    ]);
    expect(err).toContain('installing make g++ with apt-get');
    // Installed now: the next run has nothing to do.
    writeFileSync(log, '');
    expect(run('build')).toEqual({ code: 0, err: '', calls: [] });
  });

  it('takes the compiler CXX names, and never installs g++ in place of a CXX that is not there', () => {
    freshBin('python3', 'make', 'my-cxx');
    fakeAptGet();
    expect(run('build', { CXX: 'my-cxx' })).toEqual({ code: 0, err: '', calls: [] });
    expect(run('build', { CXX: 'my-cxx -std=c++17' })).toEqual({ code: 0, err: '', calls: [] });
    const absent = run('build', { CXX: 'absent-cxx' });
    expect(absent.calls).toEqual([]);
    expect(absent.err).toContain('CXX=absent-cxx: no such command');
  });

  it('with FASTMMAP_NO_APT=1, or not as root, says what to install and installs nothing', () => {
    freshBin('python3', 'make');
    fakeAptGet();
    // Set by vitest.global-setup.ts when nobody cannot run this Node (installed under /root).
    const asNobody = process.env.FASTMMAP_TEST_NOBODY_SKIP ? [] : [[{}, true] as const];
    for (const [env, nobody] of [[{ FASTMMAP_NO_APT: '1' }, false] as const, ...asNobody]) {
      const { code, err, calls } = run('build', env, nobody);
      expect(code).toBe(0);
      expect(calls).toEqual([]);
      expect(err).toContain('g++ missing to build the native addons');
      expect(err).toContain('sudo apt-get install g++');
    }
  });

  it('waits for the apt lock that another apt-get holds (unattended-upgrades at boot)', () => {
    freshBin('python3', 'make');
    fakeAptGet();
    const real = join(bin, 'apt-get.real');
    copyFileSync(join(bin, 'apt-get'), real);
    chmodSync(real, 0o755);
    // The first call finds the lock taken, as apt-get does: it fails at once with exit 100.
    fakeCommand(
      'apt-get',
      `if [ ! -e ${bin}/locked-once ]; then : > ${bin}/locked-once; echo "apt-get $* (locked)" >> ${log}; echo 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1 (apt-get)' >&2; exit 100; fi\nexec ${real} "$@"`,
    );
    const { code, err, calls } = run('build');
    expect(code).toBe(0);
    expect(err).toContain('waiting for it');
    expect(calls).toEqual([
      'apt-get update -qq (locked)',
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends g++',
    ]);
  });

  it('never runs an apt-get from a node_modules/.bin that pnpm puts first on PATH', () => {
    freshBin('python3', 'make');
    fakeAptGet();
    const dotBin = join(bin, 'node_modules', '.bin');
    mkdirSync(dotBin, { recursive: true });
    writeFileSync(join(dotBin, 'apt-get'), `#!/bin/sh\necho "dependency's apt-get $*" >> ${log}\n`);
    chmodSync(join(dotBin, 'apt-get'), 0o755);
    const { calls } = run('build', { PATH: `${dotBin}:${bin}` });
    expect(calls).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends g++',
    ]);
  });

  it('fails, saying what to install, when apt-get fails', () => {
    freshBin('python3', 'make');
    fakeAptGet(100);
    const { code, err } = run('build');
    expect(code).toBe(1);
    expect(err).toContain('apt-get could not install g++');
  });
});

describe('system-packages.mjs tests', () => {
  it('installs redis-server and stops the service Debian starts with it', () => {
    freshBin();
    fakeAptGet();
    fakeCommand('service', `echo "service $*" >> ${log}`);
    const { code, calls } = run('tests');
    expect(code).toBe(0);
    expect(calls).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends redis-server',
      'service redis-server stop',
    ]);
  });

  it('an apt-get that fails stops `pnpm test` under CI=true only: the Redis tests skip', () => {
    freshBin();
    fakeAptGet(100);
    const local = run('tests');
    expect(local.code).toBe(0);
    expect(local.err).toContain('apt-get could not install redis-server');
    expect(run('tests', { CI: 'true' }).code).toBe(1);
  });

  it('never installs, or stops, a Redis when REDIS_SERVER_BIN names one that is not there', () => {
    freshBin();
    fakeAptGet();
    fakeCommand('service', `echo "service $*" >> ${log}`);
    const { code, err, calls } = run('tests', { REDIS_SERVER_BIN: join(bin, 'no-redis-server') });
    expect(code).toBe(0);
    expect(calls).toEqual([]);
    expect(err).toContain('no-redis-server: no such command');
  });

  it('says the Redis tests will be skipped when it may not install', () => {
    freshBin();
    const { code, err, calls } = run('tests', { FASTMMAP_NO_APT: '1' });
    expect(code).toBe(0);
    expect(calls).toEqual([]);
    expect(err).toContain('redis-server missing for the Redis tests');
    expect(err).toContain('the Redis tests are skipped');
  });

  it('refuses an unknown purpose', () => {
    freshBin();
    const { code, err } = run('everything');
    expect(code).toBe(2);
    expect(err).toContain('usage: node scripts/system-packages.mjs build|tests');
  });
});
