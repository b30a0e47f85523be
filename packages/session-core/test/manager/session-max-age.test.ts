// session.maxAge: a session's own lifetime ("remember me"), for its cookie and its record.
import { describe, expect, it } from 'vitest';
import {
  createSessionManager,
  type Session,
  type SessionManager,
  type SessionManagerOptions,
} from '../../src/index.js';
import { META_KEY } from '../../src/manager/record.js';
import { cookieAttributes, cookiePair, managerSetup, OLD_SECRET, SECRET } from '../helpers.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

for (const mode of ['async', 'sync'] as const) {
  describe(`session.maxAge, with ${mode} store access`, () => {
    const setup = (options: Partial<SessionManagerOptions> = {}) => managerSetup(mode, options);

    /** One request: load with `cookie`, run `fn`, commit; the Set-Cookie values. */
    async function request(
      manager: SessionManager,
      cookie: string | undefined,
      fn: (s: Session<Record<string, unknown>>) => void = () => {},
    ) {
      const session = await manager.load<Record<string, unknown>>(cookie);
      fn(session);
      const headers = await session.commit();
      return { session, headers };
    }

    async function login(manager: SessionManager, maxAge: number | null) {
      const { headers, session } = await request(manager, undefined, (s) => {
        s.data.user = 'ann';
        s.maxAge = maxAge;
      });
      return { cookie: cookiePair(headers[0]), id: session.id, header: headers[0]! };
    }

    it('"remember me": the cookie and the record live maxAge, past the default ttl', async () => {
      const { clock, manager, memory } = setup();
      const { cookie, id, header } = await login(manager, 30 * DAY);
      const attributes = cookieAttributes(header);
      expect(attributes.get('max-age')).toBe(String(30 * 86_400));
      expect(Date.parse(attributes.get('expires')!)).toBe(
        Math.floor((clock() + 30 * DAY) / 1000) * 1000,
      );
      expect((await memory.get(id))?.[META_KEY]).toMatchObject({ maxAge: 30 * DAY });
      clock.advance(20 * DAY); // the default ttl is one day
      const { session, headers } = await request(manager, cookie);
      expect(session.isNew).toBe(false);
      expect(session.maxAge).toBe(30 * DAY);
      // The unchanged session is touched (the throttle is a tenth of a day): the cookie and the
      // record get 30 days again.
      expect(cookieAttributes(headers[0]!).get('max-age')).toBe(String(30 * 86_400));
      clock.advance(29 * DAY);
      expect((await request(manager, cookie)).session.isNew).toBe(false);
      clock.advance(30 * DAY + 1);
      expect((await request(manager, cookie)).session.isNew).toBe(true);
    });

    it('null gives a browser-session cookie; the record keeps the manager ttl', async () => {
      const { clock, manager } = setup();
      const { cookie, header } = await login(manager, null);
      const attributes = cookieAttributes(header);
      expect(attributes.has('max-age')).toBe(false);
      expect(attributes.has('expires')).toBe(false);
      clock.advance(DAY / 2);
      const again = await request(manager, cookie, (s) => {
        s.data.n = 1;
      });
      expect(again.session.maxAge).toBeNull();
      clock.advance(DAY + 1);
      expect((await request(manager, cookie)).session.isNew).toBe(true);
    });

    it('a short maxAge shrinks the touch throttle, so an active session never lapses', async () => {
      const { clock, manager } = setup(); // touchAfter: a tenth of a day
      const { cookie } = await login(manager, 10 * MINUTE);
      for (let i = 0; i < 12; i++) {
        clock.advance(3 * MINUTE);
        const { session } = await request(manager, cookie);
        expect(session.isNew).toBe(false);
      }
      clock.advance(10 * MINUTE + 1);
      expect((await request(manager, cookie)).session.isNew).toBe(true);
    });

    it('a cookie.maxAge option without a ttl is the idle timeout of the record too, as in express-session', async () => {
      // `cookie: { maxAge: 15 min }` is express-session's idle timeout: a cookie replayed after
      // the browser dropped it must not find the session. An explicit ttl still rules the record.
      for (const ttl of [undefined, DAY]) {
        const { clock, manager } = setup({ cookie: { maxAge: 15 * MINUTE }, ttl });
        const { cookie } = await login(manager, undefined as unknown as null);
        clock.advance(15 * MINUTE + 1);
        expect((await request(manager, cookie)).session.isNew).toBe(ttl === undefined);
      }
    });

    it('with cookie.maxAge and no ttl, a session whose maxAge is null ("remember me" off) keeps one day, not the cookie\'s 30', async () => {
      const { clock, manager } = setup({ cookie: { maxAge: 30 * DAY } });
      const remembered = await login(manager, undefined as unknown as null);
      const forgotten = await login(manager, null);
      clock.advance(DAY + 1);
      expect((await request(manager, forgotten.cookie)).session.isNew).toBe(true);
      expect((await request(manager, remembered.cookie)).session.isNew).toBe(false);
      // ...while in use it never lapses: its touch throttle is a tenth of its day, not of 30.
      const active = await login(manager, null);
      for (let hour = 1; hour <= 72; hour++) {
        clock.advance(DAY / 24);
        expect((await request(manager, active.cookie)).session.isNew).toBe(false);
      }
    });

    it("a cookie.maxAge option shorter than ttl makes the default touchAfter a tenth of it: an active session's browser cookie never lapses", async () => {
      // express-session's `cookie: { maxAge: 1h }`, ttl left at one day (touchAfter a tenth of it).
      const { clock, manager } = setup({ cookie: { maxAge: 60 * MINUTE } });
      const first = await request(manager, undefined, (s) => {
        s.data.n = 0;
      });
      const cookie = cookiePair(first.headers[0]);
      let browserExpiry =
        clock() + Number(cookieAttributes(first.headers[0]!).get('max-age')) * 1000;
      for (let i = 1; i <= 8; i++) {
        clock.advance(20 * MINUTE);
        expect(clock()).toBeLessThan(browserExpiry); // the browser still sends the cookie
        const { session, headers } = await request(manager, cookie, (s) => {
          s.data.n = i;
        });
        expect(session.isNew).toBe(false);
        if (headers[0]) {
          browserExpiry = clock() + Number(cookieAttributes(headers[0]).get('max-age')) * 1000;
        }
      }
    });

    it('setting it on a stored session writes it and sends the cookie; the same value again does not', async () => {
      const { manager, memory, store } = setup();
      const { cookie, id } = await login(manager, undefined as unknown as null);
      expect((await memory.get(id))?.[META_KEY]).not.toHaveProperty('maxAge');
      store.calls.length = 0;
      const longer = await request(manager, cookie, (s) => {
        s.maxAge = 7 * DAY;
      });
      expect(store.writes()).toHaveLength(1);
      expect(cookieAttributes(longer.headers[0]!).get('max-age')).toBe(String(7 * 86_400));
      store.calls.length = 0;
      const same = await request(manager, cookie, (s) => {
        s.maxAge = 7 * DAY;
      });
      expect(store.writes()).toEqual([]);
      expect(same.headers).toEqual([]);
      // undefined: back to the manager's defaults.
      const reset = await request(manager, cookie, (s) => {
        s.maxAge = undefined;
      });
      expect(reset.session.maxAge).toBe(DAY);
      expect(cookieAttributes(reset.headers[0]!).get('max-age')).toBe(String(86_400));
      expect((await memory.get(id))?.[META_KEY]).not.toHaveProperty('maxAge');
    });

    it('survives regenerate (set before or after it), as a login does', async () => {
      const { manager, memory } = setup();
      const { cookie } = await login(manager, null);
      const { session, headers } = await request(manager, cookie, () => {});
      expect(headers).toEqual([]);
      const before = await manager.load<Record<string, unknown>>(cookie);
      before.maxAge = 30 * DAY;
      await before.regenerate();
      const [header] = await before.commit();
      expect(before.id).not.toBe(session.id);
      expect(cookieAttributes(header!).get('max-age')).toBe(String(30 * 86_400));
      expect((await memory.get(before.id))?.[META_KEY]).toMatchObject({ maxAge: 30 * DAY });
      const after = await manager.load<Record<string, unknown>>(cookiePair(header));
      await after.regenerate();
      expect(after.maxAge).toBe(30 * DAY);
      after.maxAge = null;
      const [cleared] = await after.commit();
      expect(cookieAttributes(cleared!).has('max-age')).toBe(false);
    });

    it('refuses values that are not a lifetime, keeping the one in effect', async () => {
      const { manager } = setup();
      const session = await manager.load(undefined);
      // Under a second would be Max-Age=0: a cookie the browser deletes at once.
      for (const bad of [
        0,
        -1,
        500,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        1e300,
        '30',
        'session',
      ]) {
        expect(() => {
          (session as { maxAge: unknown }).maxAge = bad;
        }).toThrow(expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }));
      }
      expect(session.maxAge).toBe(DAY);
      await session.destroy();
      expect(() => {
        session.maxAge = DAY;
      }).toThrow(expect.objectContaining({ code: 'ERR_SESSION_DESTROYED' }));
    });

    it('ignores a stored maxAge that no session could have set', async () => {
      const { manager, memory } = setup();
      const { cookie, id } = await login(manager, 7 * DAY);
      const record = (await memory.get(id))!;
      for (const bad of ['x', -1, 0, 500, true, {}, Number.NaN]) {
        await memory.store(
          id,
          { ...record, [META_KEY]: { ...(record[META_KEY] as object), maxAge: bad } },
          DAY,
        );
        const { session } = await request(manager, cookie);
        expect(session.isNew).toBe(false);
        expect(session.maxAge, String(bad)).toBe(DAY);
      }
    });

    it('alone, stores no session that nothing else would store (saveUninitialized false)', async () => {
      const { manager, store } = setup();
      for (const value of [30 * DAY, null]) {
        const { headers } = await request(manager, undefined, (s) => {
          s.maxAge = value;
        });
        expect(headers).toEqual([]);
      }
      expect(store.writes()).toEqual([]);
    });

    it('a request that loaded before another set maxAge writes and touches with the new one', async () => {
      const { clock, manager } = setup({ touchAfter: 0 });
      const { cookie } = await login(manager, undefined as unknown as null);
      for (const change of [true, false]) {
        // `older` loads first; `remember` sets 30 days and commits; `older` commits after.
        const older = await manager.load<Record<string, unknown>>(cookie);
        await request(manager, cookie, (s) => {
          s.maxAge = 30 * DAY;
        });
        if (change) older.data.n = 1; // a write; else a touch (touchAfter 0)
        const headers = await older.commit();
        expect(older.maxAge).toBe(30 * DAY);
        for (const header of headers) {
          expect(cookieAttributes(header).get('max-age')).toBe(String(30 * 86_400));
        }
        clock.advance(2 * DAY); // past the manager's one-day ttl
        const later = await request(manager, cookie, (s) => {
          s.maxAge = undefined;
        });
        expect(later.session.isNew, `after a ${change ? 'write' : 'touch'}`).toBe(false);
      }
    });

    it('cookieHeaders() predicts the commit after a change of maxAge, with rolling and a rotated secret', async () => {
      for (const options of [{ rolling: true }, {}]) {
        const { manager } = setup(options);
        const { cookie } = await login(manager, null);
        for (const value of [30 * DAY, null, undefined, 2 * DAY]) {
          const session = await manager.load(cookie);
          session.maxAge = value;
          const predicted = session.cookieHeaders();
          expect(await session.commit()).toEqual(predicted);
        }
      }
      // A cookie signed with the old secret is re-sent re-signed, with the session's lifetime.
      const { manager: old, clock, store } = setup({ secret: OLD_SECRET });
      const { cookie } = await login(old, 7 * DAY);
      const rotated = createSessionManager({ secret: [SECRET, OLD_SECRET], store, clock });
      const session = await rotated.load(cookie);
      expect(session.isNew).toBe(false);
      const predicted = session.cookieHeaders();
      expect(predicted).toHaveLength(1);
      expect(cookieAttributes(predicted[0]!).get('max-age')).toBe(String(7 * 86_400));
      expect(await session.commit()).toEqual(predicted);
    });
  });
}
