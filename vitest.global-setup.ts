import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NOBODY = 65534;

/**
 * A few tests run code from this checkout as the user nobody (a group reader, the CLI run by
 * another user). A clone under root's 0700 home is out of nobody's reach: those tests then
 * say so and skip, through FASTMMAP_TEST_NOBODY_SKIP, except in CI, where that fails the run.
 */
function checkNobodyReach(): void {
  if (process.geteuid?.() !== 0) return; // those tests refuse to run as anyone but root
  const file = join(import.meta.dirname, 'package.json');
  const probe = spawnSync(
    process.execPath,
    ['-e', 'require("fs").accessSync(process.argv[1])', file],
    {
      uid: NOBODY,
      gid: NOBODY,
      cwd: '/',
      stdio: 'ignore',
    },
  );
  if (probe.status === 0) return;
  // Node itself under /root (nvm, as root) is out of reach too: say which one it is.
  const why =
    probe.error !== undefined
      ? `the user nobody cannot run ${process.execPath} (${probe.error.message}): use a Node installed where others may run it (not under /root) to run the tests that run as nobody`
      : `the user nobody cannot read ${file}: clone into a directory others may traverse (not under /root) to run the tests that run as nobody`;
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`\n*** SKIPPING the tests that run as nobody: ${why} ***\n`);
  process.env.FASTMMAP_TEST_NOBODY_SKIP = why;
}

/**
 * Tests of the default cache location (a private directory under os.tmpdir()) must not write
 * into the developer's real one, where a running app keeps its sessions: the test workers and
 * every process they start get a TMPDIR of their own, removed afterwards.
 */
export default function setup(): () => void {
  checkNobodyReach();
  const dir = mkdtempSync(join(tmpdir(), 'fastmmap-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
