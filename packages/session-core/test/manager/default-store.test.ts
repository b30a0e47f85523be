import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { defaultCachePath } from '../../src/cache/index.js';
import { createSessionManager, FastMmapStore } from '../../src/index.js';
import { cookiePair, SECRET } from '../helpers.js';

it('opens a FastMmapStore at the default path on first use and closes it with the manager', async () => {
  const manager = createSessionManager({ secret: SECRET });
  const session = await manager.load<Record<string, unknown>>(undefined);
  session.data.n = 1;
  const cookie = cookiePair((await session.commit())[0]);
  const store = manager.store;
  expect(store).toBeInstanceOf(FastMmapStore);
  expect((store as FastMmapStore).path).toBe(defaultCachePath('sessions'));
  expect((await manager.load<Record<string, unknown>>(cookie)).data).toEqual({ n: 1 });
  await store.delete(session.id);
  await manager.close();
  await expect(store.get(session.id)).rejects.toMatchObject({
    code: 'ERR_SESSION_STORE_UNAVAILABLE',
  });
});

it('fails at creation, not at the first request, when the default directory must be refused', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'default-dir-'));
  const saved = process.env.TMPDIR;
  try {
    // Another user could have made it first; group/world-writable is refused the same way.
    mkdirSync(join(tmp, `fastmmap-${process.getuid?.() ?? 'user'}`), { mode: 0o777 });
    chmodSync(join(tmp, `fastmmap-${process.getuid?.() ?? 'user'}`), 0o777);
    process.env.TMPDIR = tmp;
    expect(() => createSessionManager({ secret: SECRET })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_STORE_UNAVAILABLE' }),
    );
  } finally {
    process.env.TMPDIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  }
});
