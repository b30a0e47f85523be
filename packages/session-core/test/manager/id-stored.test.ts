// idStored(): whether the session's current id has a record, for an adapter's report.
import { describe, expect, it } from 'vitest';
import { idStored } from '../../src/adapter.js';
import { managerSetup } from '../helpers.js';

type Data = Record<string, unknown>;

describe('idStored', () => {
  it('a new id: false until a commit stores it', async () => {
    const { manager } = managerSetup('async');
    const session = await manager.load<Data>(undefined);
    expect(idStored(session)).toBe(false);
    session.data.user = 'ann';
    await session.commit();
    expect(idStored(session)).toBe(true);
  });

  it('a regenerated id: false until a commit stores it', async () => {
    const { manager } = managerSetup('sync');
    const login = await manager.load<Data>(undefined);
    login.data.user = 'ann';
    const cookie = (await login.commit())[0]!.split(';', 1)[0]!;
    const session = await manager.load<Data>(cookie);
    expect(idStored(session)).toBe(true);
    await session.regenerate();
    expect(idStored(session)).toBe(false);
    await session.commit();
    expect(idStored(session)).toBe(true);
  });

  it('anything but a session from manager.load(): false', () => {
    expect(idStored({ id: 'x', data: {} } as never)).toBe(false);
  });
});
