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

it('keeps every key when 4 real processes change one session at once', async () => {
  const storage = join(dir, 'sessions.fmcache');
  const store = new FastMmapStore({ storage, numPages: 16 });
  const manager = createSessionManager({ secret: SECRET, store });
  const first = await manager.load<Record<string, unknown>>(undefined);
  first.data.owner = 'parent';
  const cookie = cookiePair((await first.commit())[0]);

  const rounds = 150;
  const child = fileURLToPath(new URL('../fixtures/concurrent-keys-child.mjs', import.meta.url));
  await runTogether(
    child,
    [0, 1, 2, 3].map((worker) => [storage, SECRET, cookie, String(worker), String(rounds)]),
  );

  const after = await manager.load<Record<string, unknown>>(cookie);
  const expected: Record<string, unknown> = { owner: 'parent' };
  for (let worker = 0; worker < 4; worker++) {
    for (let round = 0; round < rounds; round++) expected[`w${worker}r${round}`] = round;
  }
  expect(after.data).toEqual(expected);
  await store.close();
});
