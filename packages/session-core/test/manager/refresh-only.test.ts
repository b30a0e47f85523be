// refreshOnly(): whether the next commit's cookie would only renew the id the client holds.
// The Hono adapter asks on every request, so the usual answer (no cookie due) must not cost
// the plan's diff of the data, µs per KiB of it: the data is read only when a cookie could go.
import { describe, expect, it } from 'vitest';
import { refreshOnly } from '../../src/adapter.js';
import { managerSetup } from '../helpers.js';

type Data = Record<string, unknown>;

async function loggedIn(options: { rolling?: boolean; maxAge?: number | null } = {}) {
  const { maxAge, ...rest } = options;
  const cookie = maxAge === undefined ? {} : { cookie: { maxAge } };
  const setup = managerSetup('sync', { ttl: 60_000, touchAfter: 1_000, ...cookie, ...rest });
  const login = await setup.manager.load<Data>(undefined);
  login.data.user = 'ann';
  const pair = (await login.commit())[0]?.split(';', 1)[0];
  if (pair === undefined) throw new Error('no cookie');
  return { ...setup, cookie: pair };
}

/** A data key whose reads are counted (the diff reads every key's value). */
function watched(data: Data): () => number {
  let reads = 0;
  Object.defineProperty(data, 'watched', {
    get: () => {
      reads++;
      return 1;
    },
    enumerable: true,
    configurable: true,
  });
  return () => reads;
}

describe('refreshOnly', () => {
  it('no cookie due, the data changed or not: false, and the data is not read', async () => {
    const { manager, cookie } = await loggedIn();
    const session = await manager.load<Data>(cookie);
    const reads = watched(session.data);
    expect(refreshOnly(session)).toBe(false);
    session.data.user = 'bob';
    expect(refreshOnly(session)).toBe(false);
    expect(reads()).toBe(0);
    delete session.data.watched;
    expect(await session.commit()).toEqual([]);
  });

  it('a browser-session cookie (maxAge null) is never refreshed: false, data not read', async () => {
    const { manager, clock, cookie } = await loggedIn({ maxAge: null });
    clock.advance(1_500);
    const session = await manager.load<Data>(cookie);
    const reads = watched(session.data);
    expect(refreshOnly(session)).toBe(false);
    expect(reads()).toBe(0);
    delete session.data.watched;
    expect(await session.commit()).toEqual([]);
  });

  it('a refresh due (touchAfter elapsed, or rolling): true, as the commit then sends one', async () => {
    const due = await loggedIn();
    due.clock.advance(1_500);
    const touched = await due.manager.load<Data>(due.cookie);
    expect(refreshOnly(touched)).toBe(true);
    touched.data.seen = true;
    expect(refreshOnly(touched)).toBe(true);
    expect(await touched.commit()).toHaveLength(1);
    const rolling = await loggedIn({ rolling: true });
    const session = await rolling.manager.load<Data>(rolling.cookie);
    expect(refreshOnly(session)).toBe(true);
    expect(await session.commit()).toHaveLength(1);
  });

  it('a refresh due with data no store can keep: false, and the commit fails with it', async () => {
    const { manager, cookie } = await loggedIn({ rolling: true });
    const session = await manager.load<Data>(cookie);
    session.data.fn = () => 1;
    expect(refreshOnly(session)).toBe(false);
    await expect(session.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED_DATA' });
  });

  it('a new id or a lifetime set here is news, not a refresh: false', async () => {
    const { manager, cookie } = await loggedIn({ rolling: true });
    const fresh = await manager.load<Data>(undefined);
    fresh.data.a = 1;
    expect(refreshOnly(fresh)).toBe(false);
    const remember = await manager.load(cookie);
    remember.maxAge = 7 * 86_400_000;
    expect(refreshOnly(remember)).toBe(false);
  });
});
