// commitWithoutCookie(): a commit where no response can carry the cookie (a WebSocket message).
import { describe, expect, it } from 'vitest';
import { commitCookieless, sessionGuard } from '../../src/adapter.js';
import { commitWithoutCookie, isSessionError } from '../../src/index.js';
import { managerSetup } from '../helpers.js';

type Data = Record<string, unknown>;
const options = { ttl: 60_000, touchAfter: 1_000 };

describe.each(['sync', 'async'] as const)('commitWithoutCookie (%s store)', (mode) => {
  async function loggedIn() {
    const setup = managerSetup(mode, options);
    const login = await setup.manager.load<Data>(undefined);
    login.data.user = 'ann';
    const cookie = (await login.commit())[0]?.split(';', 1)[0];
    if (cookie === undefined) throw new Error('no cookie');
    return { ...setup, cookie };
  }

  it('writes the change, and the next commit still sends the refresh that fell due', async () => {
    const { manager, clock, cookie } = await loggedIn();
    clock.advance(1_500);
    const message = await manager.load<Data>(cookie);
    message.data.last = 'hi';
    await commitWithoutCookie(message);
    clock.advance(10);
    const http = await manager.load<Data>(cookie);
    expect(http.data).toEqual({ user: 'ann', last: 'hi' });
    const cookies = await http.commit();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/Max-Age=60/);
  });

  it('a lifetime changed where no cookie could go out is sent by the next response that can carry one', async () => {
    // A trial: "remember me" set after an event stream's headers went out. The record had 30
    // days, the browser a session cookie, and setting it again sent nothing (no change): the
    // cookie waited for the next refresh, a tenth of the lifetime later.
    const { manager, clock, cookie } = await loggedIn();
    const late = await manager.load<Data>(cookie);
    late.maxAge = 30 * 86_400_000;
    await commitWithoutCookie(late);
    clock.advance(10);
    const next = await manager.load<Data>(cookie);
    expect(next.maxAge).toBe(30 * 86_400_000);
    next.maxAge = 30 * 86_400_000; // set again, as the app's "remember me" route would
    const cookies = await next.commit();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/Max-Age=2592000/);
    // Sent now: the one after has nothing to send until a refresh falls due.
    clock.advance(10);
    expect(await (await manager.load<Data>(cookie)).commit()).toEqual([]);
  });

  it('a browser session (maxAge null) set where no cookie could go out is sent by the next response', async () => {
    // The browser holds a persistent cookie: a null lifetime sends no refreshes, so without
    // this one it outlived the browser the user asked to be forgotten with.
    const { manager, clock, cookie } = await loggedIn();
    const late = await manager.load<Data>(cookie);
    late.maxAge = null;
    await commitWithoutCookie(late);
    clock.advance(10);
    const cookies = await (await manager.load<Data>(cookie)).commit();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).not.toMatch(/Max-Age|Expires/);
    clock.advance(10);
    expect(await (await manager.load<Data>(cookie)).commit()).toEqual([]);
  });

  it('a request loaded before such a commit, committing after it, sends the new lifetime', async () => {
    // Its write or touch marks the session touched: the responses after it sent nothing until
    // the next refresh.
    for (const writes of [true, false]) {
      const { manager, clock, cookie } = await loggedIn();
      clock.advance(writes ? 10 : 1_500);
      const earlier = await manager.load<Data>(cookie);
      const late = await manager.load<Data>(cookie);
      late.maxAge = 30 * 86_400_000;
      await commitWithoutCookie(late);
      if (writes) earlier.data.seen = true;
      const cookies = await earlier.commit();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatch(/Max-Age=2592000/);
      clock.advance(10);
      expect(await (await manager.load<Data>(cookie)).commit()).toEqual([]);
    }
  });

  it('does not store a session whose id the client does not hold', async () => {
    const { manager, store } = managerSetup(mode, options);
    const stranger = await manager.load<Data>(undefined);
    stranger.data.visitor = true;
    await commitWithoutCookie(stranger);
    expect(await store.get(stranger.id)).toBeUndefined();
  });

  // A manager that wraps its sessions (or a second copy of the package) hands adapters
  // sessions that cannot be marked: their WebSocket commits must still go through.
  it('adapters still commit a session they cannot mark cookieless', async () => {
    const { manager, store, cookie } = await loggedIn();
    const loaded = await manager.load<Data>(cookie);
    const wrapped = sessionGuard('wrapped')(loaded);
    wrapped.data.last = 'hi';
    await commitCookieless(wrapped, loaded.id);
    expect(await manager.load<Data>(cookie)).toMatchObject({ data: { user: 'ann', last: 'hi' } });
    expect(await store.get(loaded.id)).toBeDefined();
  });

  it("refuses an adapter's view of a new session too, and stores nothing", async () => {
    const { manager, store } = managerSetup(mode, options);
    const fresh = await manager.load<Data>(undefined);
    fresh.data.visitor = true;
    const err: unknown = await commitWithoutCookie(sessionGuard('s')(fresh)).catch((e) => e);
    expect(isSessionError(err) && err.code).toBe('ERR_SESSION_OPTIONS');
    expect(await store.get(fresh.id)).toBeUndefined();
  });

  it("refuses an adapter's view of a session with ERR_SESSION_OPTIONS", async () => {
    const { manager, cookie } = await loggedIn();
    const view = sessionGuard('ctx.session')(await manager.load<Data>(cookie));
    const err: unknown = await commitWithoutCookie(view).catch((e: unknown) => e);
    expect(isSessionError(err) && err.code).toBe('ERR_SESSION_OPTIONS');
  });
});
