// Who may run what (README, "Safe by default"): the read commands work for the group of a 0640
// file, the write commands only for its owner. Refusals must say which user to run as.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, leftoverTempDirs, sessionsFixture } from './helpers/fixtures.js';
import { runCli, stackLine } from './helpers/run-cli.js';

const NOBODY = 65534; // uid nobody, gid nogroup on Debian
// Set by vitest.global-setup.ts when nobody cannot reach this checkout (a clone under /root).
const nobodySkip = process.env.FASTMMAP_TEST_NOBODY_SKIP;
const nobodyNote = nobodySkip ? ` (SKIPPED: ${nobodySkip})` : '';
const asNobody = { uid: NOBODY, gid: NOBODY };

/** How the hint may name a uid to sudo: its login name, else sudo's '#uid'. */
function sudoName(uid: number): string {
  try {
    return execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8' }).split(':')[0]!;
  } catch {
    return `'#${uid}'`;
  }
}

let fixture: Fixture;
let dir: string;
let path: string;
beforeAll(() => {
  if (process.geteuid?.() !== 0)
    throw new Error('these tests run the CLI as another user: run as root (CI does)');
  fixture = sessionsFixture();
  // Not under the test run's TMPDIR, which is 0700 and which other test files chmod: nobody
  // must traverse the directories, then the file's own mode decides.
  dir = mkdtempSync(join(dirname(tmpdir()), 'fastmmap-cli-perm-'));
  chmodSync(dir, 0o711);
  path = join(dir, 'sessions.fmcache');
  copyFileSync(fixture.path, path);
});
afterAll(() => {
  fixture?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(leftoverTempDirs()).toEqual([]);
});

function expectOneLine(stderr: string): void {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(stackLine);
}

describe.skipIf(nobodySkip)(`permission errors say what to do${nobodyNote}`, () => {
  it("a write command on another user's file names that user for sudo -u", async () => {
    chownSync(path, NOBODY, 0);
    try {
      const { code, stdout, stderr } = await runCli(['purge', path]);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      expectOneLine(stderr);
      expect(stderr).toBe(
        `fastmmap: ${path} is owned by uid ${NOBODY}, not 0 (ERR_FASTMMAP_UNSAFE_FILE); delete, purge and clear must run as the file's owner, e.g. with sudo -u ${sudoName(NOBODY)}\n`,
      );
    } finally {
      chownSync(path, 0, 0);
    }
  });

  it('a group member of a 0640 file reads it, and is told that writing needs the owner', async () => {
    chownSync(path, 0, NOBODY);
    chmodSync(path, 0o640);
    try {
      const read = await runCli(['stats', path, '--json'], asNobody);
      expect(read.code, read.stderr).toBe(0);
      expect(JSON.parse(read.stdout).items).toBe(fixture.stats.items);
      const write = await runCli(['purge', path], asNobody);
      expect({ code: write.code, stdout: write.stdout }).toEqual({ code: 1, stdout: '' });
      expectOneLine(write.stderr);
      expect(write.stderr).toBe(
        `fastmmap: permission denied: cannot write ${path} (mode 0640); stats, keys, get, watch and verify work for the group of a 0640 file, but delete, purge and clear need its owner: run them as the owner, e.g. with sudo -u ${sudoName(0)}\n`,
      );
    } finally {
      chmodSync(path, 0o600);
      chownSync(path, 0, 0);
    }
  });

  it('a user outside the group is told who can read it', async () => {
    const { code, stdout, stderr } = await runCli(['keys', path], asNobody);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expectOneLine(stderr);
    expect(stderr).toBe(
      `fastmmap: permission denied: cannot read ${path} (mode 0600); only its owner, root and the group of a 0640 file can: run it as the owner, e.g. with sudo -u ${sudoName(0)}\n`,
    );
  });
});

describe.skipIf(nobodySkip)(`copy into a directory the user may not write${nobodyNote}`, () => {
  it('names TO and its directory, not the hidden file it builds', async () => {
    const own = join(dir, 'own');
    mkdirSync(own, { mode: 0o700 });
    chownSync(own, NOBODY, NOBODY);
    const from = join(own, 'sessions.fmcache');
    copyFileSync(fixture.path, from);
    chownSync(from, NOBODY, NOBODY);
    const closed = join(dir, 'closed');
    mkdirSync(closed, { mode: 0o755 }); // root's: nobody may not create files there
    const to = join(closed, 'copy.fmcache');
    const { code, stdout, stderr } = await runCli(['copy', from, to], asNobody);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expectOneLine(stderr);
    expect(stderr).toBe(`fastmmap: cannot create ${to}: permission denied in ${closed}\n`);
  });
});
