import { describe, expect, it } from 'vitest';
import {
  createSessionManager,
  MemoryStore,
  type SessionManager,
  type SessionManagerOptions,
} from '../../src/index.js';
import {
  cookieAttributes,
  cookiePair,
  fakeClock,
  managerSetup,
  recordingStore,
  SECRET,
} from '../helpers.js';

const HOUR = 3_600_000;

// Wall clocks step (NTP, a VM resumed from suspend): after a step back every stored stamp is
// in the future until the clock catches up, hours or days later.
for (const mode of ['async', 'sync'] as const) {
  describe(`a wall clock stepped back, with ${mode} store access`, () => {
    const setup = (options: Partial<SessionManagerOptions> = {}) =>
      managerSetup(mode, { ttl: 100_000, touchAfter: 10_000, ...options });

    async function login(manager: SessionManager) {
      const session = await manager.load<Record<string, unknown>>(undefined);
      session.data.user = 'ann';
      return cookiePair((await session.commit())[0]);
    }

    it('still touches a session in use and re-sends its cookie, once per touchAfter', async () => {
      const { manager, store, clock, memory } = setup();
      const cookie = await login(manager);
      clock.advance(5_000);
      clock.advance(-HOUR);
      store.calls.length = 0;
      const session = await manager.load(cookie);
      const headers = await session.commit();
      // Read as an age, the stamp an hour ahead held both back for an hour: the browser's
      // 100 s cookie lapsed while the session was in use.
      expect(store.writes()).toHaveLength(1);
      expect(headers).toHaveLength(1);
      expect(cookieAttributes(headers[0]!).get('max-age')).toBe('100');
      // Stamped on the new clock: the throttle holds again.
      store.calls.length = 0;
      clock.advance(3_000);
      expect(await (await manager.load(cookie)).commit()).toEqual([]);
      expect(store.writes()).toEqual([]);
      // The store's expiry moved with the touch: 100 s from it.
      clock.advance(96_999);
      expect(await memory.get(session.id)).toBeDefined();
    });

    it('re-sends the cookie on a write', async () => {
      const { manager, clock } = setup();
      const cookie = await login(manager);
      clock.advance(-HOUR);
      const session = await manager.load<Record<string, unknown>>(cookie);
      session.data.n = 1;
      expect(await session.commit()).toHaveLength(1);
    });

    it('leaves a stamp less than touchAfter ahead alone (another host a little ahead)', async () => {
      const { manager, store, clock } = setup();
      const cookie = await login(manager);
      clock.advance(-3_000);
      store.calls.length = 0;
      expect(await (await manager.load(cookie)).commit()).toEqual([]);
      expect(store.writes()).toEqual([]);
    });

    it('does not touch on every request when two hosts sharing a store are a touchAfter apart', async () => {
      const ahead = fakeClock();
      const memory = new MemoryStore({ clock: ahead });
      const store = recordingStore(memory, { sync: mode === 'sync' });
      const options = { secret: SECRET, store, ttl: 100_000, touchAfter: 10_000 };
      const hostA = createSessionManager({ ...options, clock: ahead });
      const hostB = createSessionManager({ ...options, clock: () => ahead() - 15_000 });
      const cookie = await login(hostA);
      store.calls.length = 0;
      let cookies = 0;
      // Requests alternate between the hosts, one a second for 20 s.
      for (let i = 0; i < 20; i++) {
        ahead.advance(1_000);
        const session = await (i % 2 === 0 ? hostB : hostA).load(cookie);
        cookies += (await session.commit()).length;
      }
      // Read as old, each host's stamp made the other touch: a write and a cookie per request.
      expect(store.writes().length).toBeLessThanOrEqual(3);
      expect(cookies).toBeLessThanOrEqual(3);
    });

    it('still touches at once after a step back of half the lifetime', async () => {
      const { manager, store, clock } = setup();
      const cookie = await login(manager);
      clock.advance(-50_000);
      store.calls.length = 0;
      expect(await (await manager.load(cookie)).commit()).toHaveLength(1);
      expect(store.writes()).toHaveLength(1);
    });

    it('holds a request in flight during a login on a host whose clock is 15 s behind', async () => {
      const ahead = fakeClock();
      const store = new MemoryStore({ clock: ahead });
      const options = { secret: SECRET, store, ttl: 100_000, touchAfter: 10_000 };
      const hostA = createSessionManager({ ...options, clock: ahead });
      const hostB = createSessionManager({ ...options, clock: () => ahead() - 15_000 });
      const cookie = await login(hostA);
      const signIn = await hostA.load<Record<string, unknown>>(cookie);
      await signIn.regenerate();
      signIn.data.user = 'bob';
      await signIn.commit();
      ahead.advance(500);
      // Read as old, the login's tombstone let the late request start a session whose
      // cookie replaced the login's in the browser.
      const late = await hostB.load<Record<string, unknown>>(cookie);
      late.data.csrf = 'token';
      expect(await late.commit()).toEqual([]);
    });

    it("lets a browser that missed a login's response start over", async () => {
      const { manager, clock, memory } = setup();
      const cookie = await login(manager);
      const other = await manager.load<Record<string, unknown>>(cookie);
      await other.regenerate();
      other.data.user = 'bob';
      await other.commit();
      clock.advance(30_000);
      clock.advance(-HOUR);
      // The login's tombstone, an hour ahead, read as a login just now: the browser's new
      // session was dropped unstored, with no cookie, until the clock caught up.
      const fresh = await manager.load<Record<string, unknown>>(cookie);
      fresh.data.csrf = 'token';
      expect(await fresh.commit()).toHaveLength(1);
      expect(await memory.get(fresh.id)).toMatchObject({ csrf: 'token' });
    });
  });
}
