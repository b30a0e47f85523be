import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createSessionManager, FastMmapStore } from '../../src/index.js';
import { cookiePair, SECRET } from '../helpers.js';
import { runTogether } from '../processes.js';

const dir = mkdtempSync(join(tmpdir(), 'fm-manager-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUNDS = 150;
const child = fileURLToPath(new URL('../fixtures/concurrent-keys-child.mjs', import.meta.url));

/**
 * 4 real processes share one session file; each round, all four load the session, wait for
 * one another, then each writes a key of its own (see the child). Returns the data after.
 */
async function runRounds(mode: 'commit' | 'whole-record', file: string) {
  const storage = join(dir, file);
  const store = new FastMmapStore({ storage, numPages: 16 });
  const manager = createSessionManager({ secret: SECRET, store });
  const first = await manager.load<Record<string, unknown>>(undefined);
  first.data.owner = 'parent';
  const cookie = cookiePair((await first.commit())[0]);
  await runTogether(
    child,
    [0, 1, 2, 3].map((worker) => [storage, SECRET, cookie, String(worker), String(ROUNDS), mode]),
  );
  const after = await manager.load<Record<string, unknown>>(cookie);
  await store.close();
  return after.data;
}

it('keeps every key when 4 real processes change one session at once', async () => {
  const data = await runRounds('commit', 'merged.fmcache');
  const expected: Record<string, unknown> = { owner: 'parent' };
  for (let worker = 0; worker < 4; worker++) {
    for (let round = 0; round < ROUNDS; round++) expected[`w${worker}r${round}`] = round;
  }
  expect(data).toEqual(expected);
});

it('control: writing the whole record back, as a store without merging does, loses keys', async () => {
  const data = await runRounds('whole-record', 'whole.fmcache');
  // All four read the same version before any writes: each round keeps one key of four.
  expect(Object.keys(data).length).toBeLessThan(1 + 4 * ROUNDS);
  expect(data.owner).toBe('parent');
});
