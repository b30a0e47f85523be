// unconfirmedRefresh(): which cookies headers that cannot wait for the commit may carry.
import { describe, expect, it } from 'vitest';
import { unconfirmedRefresh } from '../../src/adapter.js';
import { managerSetup } from '../helpers.js';

type Data = Record<string, unknown>;

async function loggedIn(mode: 'sync' | 'async', rolling = true) {
  const setup = managerSetup(mode, { ttl: 60_000, touchAfter: 1_000, rolling });
  const login = await setup.manager.load<Data>(undefined);
  login.data.user = 'ann';
  const cookie = (await login.commit())[0]?.split(';', 1)[0];
  if (cookie === undefined) throw new Error('no cookie');
  return { ...setup, cookie };
}

describe('unconfirmedRefresh', () => {
  it('an asynchronous store renewing the id the client holds: true', async () => {
    const { manager, cookie } = await loggedIn('async');
    expect(unconfirmedRefresh(await manager.load(cookie))).toBe(true);
  });

  it('a refresh due without rolling, with a data write or none: true', async () => {
    const { manager, clock, cookie } = await loggedIn('async', false);
    expect(unconfirmedRefresh(await manager.load(cookie))).toBe(false); // nothing due
    clock.advance(1_500);
    const session = await manager.load<Data>(cookie);
    expect(unconfirmedRefresh(session)).toBe(true);
    session.data.seen = true;
    expect(unconfirmedRefresh(session)).toBe(true);
  });

  it('a synchronous store, whose commit confirms the cookie in the call: false', async () => {
    const { manager, clock, cookie } = await loggedIn('sync', false);
    clock.advance(1_500);
    const session = await manager.load(cookie);
    expect(unconfirmedRefresh(session)).toBe(false);
  });

  it('a synchronous store with a commit still pending (save() not awaited): true', async () => {
    const { manager, clock, cookie } = await loggedIn('sync', false);
    const session = await manager.load(cookie);
    const pending = session.commit(); // nothing due yet: sends no cookie
    clock.advance(1_500);
    expect(unconfirmedRefresh(session)).toBe(true);
    expect(await pending).toEqual([]);
    expect(unconfirmedRefresh(session)).toBe(false);
  });

  it('a new id, a regenerated one or a lifetime changed here is news, not a refresh: false', async () => {
    const { manager, cookie } = await loggedIn('async');
    const fresh = await manager.load<Data>(undefined);
    fresh.data.a = 1;
    expect(unconfirmedRefresh(fresh)).toBe(false);
    const remember = await manager.load(cookie);
    remember.maxAge = 7 * 86_400_000;
    expect(unconfirmedRefresh(remember)).toBe(false);
    const login = await manager.load(cookie);
    await login.regenerate();
    expect(unconfirmedRefresh(login)).toBe(false);
  });

  it('a cookie an earlier commit of this request sent (confirmed then): false', async () => {
    const { manager, cookie } = await loggedIn('async');
    const session = await manager.load(cookie);
    expect(await session.commit()).toHaveLength(1);
    expect(unconfirmedRefresh(session)).toBe(false);
  });
});
