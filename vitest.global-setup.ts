import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tests of the default cache location (a private directory under os.tmpdir()) must not write
 * into the developer's real one, where a running app keeps its sessions: the test workers and
 * every process they start get a TMPDIR of their own, removed afterwards.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'fastmmap-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
