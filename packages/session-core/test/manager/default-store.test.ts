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
