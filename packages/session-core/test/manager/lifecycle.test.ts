import { describe, expect, it } from 'vitest';
import {
  createSessionManager,
  MemoryStore,
  type SessionManager,
  type SessionManagerOptions,
} from '../../src/index.js';
import { META_KEY } from '../../src/manager/record.js';
import { signId } from '../../src/manager/signing.js';
import { cookieAttributes, cookiePair, fakeClock, managerSetup, SECRET } from '../helpers.js';

const DAY = 86_400_000;

// Every case runs twice: through the async Store methods and through Store.sync, the path
// the manager takes (and commits in the call) when a store offers it.
for (const mode of ['async', 'sync'] as const) {
  describe(`with ${mode} store access`, () => {
    const setup = (options: Partial<SessionManagerOptions> = {}) => managerSetup(mode, options);

    /** A request that writes `data` into a new session; returns the cookie the browser keeps. */
    async function startSession(
      manager: SessionManager,
      data: Record<string, unknown> = { user: 'ann' },
    ) {
      const session = await manager.load<Record<string, unknown>>(undefined);
      Object.assign(session.data, data);
      const headers = await session.commit();
      return { cookie: cookiePair(headers[0]), id: session.id };
    }

    describe('a new session', () => {
      it('is not stored and sets no cookie while nothing is written to it', async () => {
        const { manager, store } = setup();
        const session = await manager.load(undefined);
        expect(session.isNew).toBe(true);
        expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(session.cookieHeaders()).toEqual([]);
        expect(await session.commit()).toEqual([]);
        expect(store.calls).toEqual([]);
      });

      it('is stored with saveUninitialized even when empty', async () => {
        const { manager, memory } = setup({ saveUninitialized: true });
        const session = await manager.load(undefined);
        const headers = await session.commit();
        expect(headers).toHaveLength(1);
        expect(await memory.get(session.id)).toBeDefined();
      });

      it('is stored once written, with a signed, HttpOnly, SameSite=Lax cookie', async () => {
        const { manager, memory } = setup();
        const session = await manager.load<Record<string, unknown>>(undefined);
        session.data.user = 'ann';
        const [header] = await session.commit();
        expect(cookiePair(header)).toBe(`fmsid=${signId(session.id, SECRET)}`);
        const attributes = cookieAttributes(header!);
        expect(attributes.get('path')).toBe('/');
        expect(attributes.has('httponly')).toBe(true);
        expect(attributes.get('samesite')).toBe('Lax');
        expect(attributes.get('max-age')).toBe(String(DAY / 1000));
        expect(attributes.has('secure')).toBe(false);
        expect((await memory.get(session.id))?.user).toBe('ann');
      });

      it('gets Secure with secure "auto" on an HTTPS request, and a browser-session cookie with maxAge null', async () => {
        const { manager } = setup({ cookie: { maxAge: null } });
        const session = await manager.load<Record<string, unknown>>(undefined, { secure: true });
        session.data.x = 1;
        const [header] = await session.commit();
        const attributes = cookieAttributes(header!);
        expect(attributes.has('secure')).toBe(true);
        expect(attributes.has('max-age')).toBe(false);
        expect(attributes.has('expires')).toBe(false);
      });

      it('refuses an own __proto__ key added to a stored session, rather than drop it', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager);
        const session = await manager.load<Record<string, unknown>>(cookie);
        // What `session.data = JSON.parse(body)` can bring: `=` would set the prototype.
        Object.defineProperty(session.data, '__proto__', {
          value: { x: 1 },
          writable: true,
          enumerable: true,
          configurable: true,
        });
        await expect(session.commit()).rejects.toMatchObject({
          code: 'ERR_SESSION_UNSUPPORTED_DATA',
          message: expect.stringContaining('__proto__'),
        });
      });

      it('reads request.secure only when it builds a cookie, and then once', async () => {
        const { manager } = setup();
        let reads = 0;
        const request = {
          get secure() {
            reads++;
            return true;
          },
        };
        const { cookie } = await startSession(manager);
        // A request that changes its session but is sent no cookie (touchAfter not due).
        const quiet = await manager.load<Record<string, unknown>>(cookie, request);
        quiet.data.n = 1;
        expect(await quiet.commit()).toEqual([]);
        expect(reads).toBe(0);
        const fresh = await manager.load<Record<string, unknown>>(undefined, request);
        fresh.data.n = 1;
        expect(fresh.cookie.secure).toBe(true);
        const [header] = await fresh.commit();
        expect(cookieAttributes(header!).has('secure')).toBe(true);
        expect(reads).toBe(1);
      });
    });

    describe('cookie attributes', () => {
      it('follows the cookie options', async () => {
        const { manager } = setup({
          name: '__Host-sid',
          cookie: {
            secure: true,
            sameSite: 'strict',
            partitioned: true,
            httpOnly: false,
            maxAge: 5000,
          },
        });
        const session = await manager.load<Record<string, unknown>>(undefined);
        session.data.x = 1;
        const [header] = await session.commit();
        expect(header!.startsWith('__Host-sid=')).toBe(true);
        const attributes = cookieAttributes(header!);
        expect(attributes.get('samesite')).toBe('Strict');
        expect(attributes.has('secure')).toBe(true);
        expect(attributes.has('partitioned')).toBe(true);
        expect(attributes.has('httponly')).toBe(false);
        expect(attributes.get('max-age')).toBe('5');
      });

      it('sets Domain and Path when asked', async () => {
        const { manager } = setup({ cookie: { domain: 'example.com', path: '/app' } });
        const session = await manager.load<Record<string, unknown>>(undefined);
        session.data.x = 1;
        const attributes = cookieAttributes((await session.commit())[0]!);
        expect(attributes.get('domain')).toBe('example.com');
        expect(attributes.get('path')).toBe('/app');
      });
    });

    describe('loading', () => {
      it('returns the stored data for a valid cookie', async () => {
        const { manager } = setup();
        const { cookie, id } = await startSession(manager, { user: 'ann', when: new Date(5) });
        const session = await manager.load<Record<string, unknown>>(`other=1; ${cookie}`);
        expect(session.isNew).toBe(false);
        expect(session.id).toBe(id);
        expect(session.data).toEqual({ user: 'ann', when: new Date(5) });
        expect(META_KEY in session.data).toBe(false);
      });

      it.each([
        ['a missing header', undefined],
        ['an empty header', ''],
        ['garbage', ';;;=;fmsid'],
        ['a malformed value', 'fmsid=not-a-session'],
        ['a bad percent-encoding', 'fmsid=%E0%A4%A'],
        ['an oversized value', `fmsid=${'a'.repeat(5000)}`],
      ])('starts fresh on %s', async (_, header) => {
        const { manager } = setup();
        const session = await manager.load(header);
        expect(session.isNew).toBe(true);
      });

      it('starts fresh on a forged, tampered or unknown cookie, never adopting the id', async () => {
        const { manager } = setup();
        const { cookie, id } = await startSession(manager);
        const value = cookie.slice('fmsid='.length);
        const forged = signId(id, 'an-attacker-secret-of-32-characters-or-more');
        const tamperedId = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}${value.slice(id.length)}`;
        const unknown = signId('u'.repeat(43), SECRET);
        for (const bad of [forged, tamperedId, unknown]) {
          const session = await manager.load(`fmsid=${bad}`);
          expect(session.isNew).toBe(true);
          expect(session.id).not.toBe(id);
          expect(session.id).not.toBe('u'.repeat(43));
        }
      });

      it('finds its cookie among several of the same name (another path or domain sent one first)', async () => {
        const { manager } = setup();
        const { cookie, id } = await startSession(manager);
        const foreign = `fmsid=${signId('f'.repeat(43), 'some-other-apps-secret-of-32-characters')}`;
        const session = await manager.load(`${foreign}; fmsid=garbage; ${cookie}`);
        expect(session.isNew).toBe(false);
        expect(session.id).toBe(id);
      });

      it('accepts a percent-encoded or quoted cookie value', async () => {
        const { manager } = setup();
        const { cookie, id } = await startSession(manager);
        const value = cookie.slice('fmsid='.length);
        expect((await manager.load(`fmsid="${value}"`)).id).toBe(id);
        expect((await manager.load(`fmsid=${value.replace('.', '%2E')}`)).id).toBe(id);
      });

      it('starts fresh once the session expired on the injected clock', async () => {
        const { manager, clock } = setup({ ttl: 60_000 });
        const { cookie } = await startSession(manager);
        clock.advance(59_999);
        expect((await manager.load(cookie)).isNew).toBe(false);
        clock.advance(60_000);
        expect((await manager.load(cookie)).isNew).toBe(true);
      });
    });

    describe('absoluteTimeout', () => {
      it('ends an active session at its absolute lifetime; regenerate starts a new one', async () => {
        const { manager, clock } = setup({ ttl: 10_000, touchAfter: 0, absoluteTimeout: 25_000 });
        const { cookie } = await startSession(manager);
        for (let i = 0; i < 4; i++) {
          clock.advance(6_000); // 6s, 12s, 18s, 24s: kept alive by touches
          const session = await manager.load(cookie);
          expect(session.isNew).toBe(false);
          await session.commit();
        }
        clock.advance(1_000); // 25s
        const expired = await manager.load(cookie);
        expect(expired.isNew).toBe(true);

        const { cookie: second } = await startSession(manager);
        for (let i = 0; i < 2; i++) {
          clock.advance(8_000);
          await (await manager.load(second)).commit();
        }
        clock.advance(4_000); // 20s after the second id was issued
        const login = await manager.load(second);
        expect(login.isNew).toBe(false);
        await login.regenerate();
        const third = cookiePair((await login.commit())[0]);
        clock.advance(6_000); // 26s after the first id was issued, 6s after regenerate
        expect((await manager.load(third)).isNew).toBe(false);
      });
    });

    describe('commit', () => {
      it('writes nothing and sends no cookie for an unchanged session inside touchAfter', async () => {
        const { manager, store, clock } = setup({ cookie: { maxAge: null } });
        const { cookie } = await startSession(manager);
        store.calls.length = 0;
        clock.advance(1000);
        const session = await manager.load(cookie);
        expect(await session.commit()).toEqual([]);
        expect(store.writes()).toEqual([]);
      });

      it('writes only the changed keys and is idempotent', async () => {
        const { manager, store, memory } = setup();
        const { cookie, id } = await startSession(manager, { a: 1, b: { deep: [1] } });
        store.calls.length = 0;
        const session = await manager.load<Record<string, unknown>>(cookie);
        (session.data.b as { deep: number[] }).deep.push(2);
        const first = await session.commit();
        const second = await session.commit();
        expect(second).toEqual(first);
        expect(store.writes()).toEqual([['getAndSet', id]]);
        expect(await memory.get(id)).toMatchObject({ a: 1, b: { deep: [1, 2] } });
      });

      it('deletes a top-level key removed by the request, and all of them when data is replaced', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager, { a: 1, b: 2, c: 3 });
        const one = await manager.load<Record<string, unknown>>(cookie);
        delete one.data.a;
        await one.commit();
        const two = await manager.load<Record<string, unknown>>(cookie);
        two.data = { z: 26 };
        await two.commit();
        const { [META_KEY]: _, ...stored } = (await memory.get(id))!;
        expect(stored).toEqual({ z: 26 });
      });

      it('returns what cookieHeaders() predicted', async () => {
        const { manager } = setup();
        const session = await manager.load<Record<string, unknown>>(undefined);
        session.data.n = 1;
        const predicted = session.cookieHeaders();
        expect(predicted).toHaveLength(1);
        expect(await session.commit()).toEqual(predicted);
        expect(session.cookieHeaders()).toEqual(predicted);
      });

      it('predicts the clearing cookie only once destroy() has succeeded', async () => {
        const { manager, memory } = setup();
        const { cookie } = await startSession(manager);
        const session = await manager.load<Record<string, unknown>>(cookie);
        const destroying = session.destroy();
        // Under way it may still fail: headers that go out now (a streamed body) leave the
        // browser its cookie, which the tombstone refuses once the destroy is done.
        expect(session.cookieHeaders()).toEqual([]);
        await destroying;
        expect(session.cookieHeaders()).toEqual([expect.stringMatching(/^fmsid=; Max-Age=0/)]);
        expect(await session.commit()).toEqual(session.cookieHeaders());

        // A failed one never told the browser to drop a cookie the session still answers to.
        const { cookie: other } = await startSession(manager);
        const kept = await manager.load<Record<string, unknown>>(other);
        const store = memory as unknown as { getAndSet: MemoryStore['getAndSet'] };
        const original = store.getAndSet;
        store.getAndSet = () =>
          new Promise((_resolve, reject) => setTimeout(() => reject(new Error('backend down')), 5));
        try {
          const failing = kept.destroy();
          expect(kept.cookieHeaders()).toEqual([]);
          await expect(failing).rejects.toThrow('backend down');
        } finally {
          store.getAndSet = original;
        }
        expect(kept.destroyed).toBe(false);
        expect(kept.cookieHeaders()).toEqual([]);
        expect((await manager.load<Record<string, unknown>>(other)).data).toEqual({ user: 'ann' });
      });

      it('writes changes made after a first commit on the second one', async () => {
        const { manager, memory } = setup();
        const session = await manager.load<Record<string, unknown>>(undefined);
        session.data.n = 1;
        await session.commit();
        session.data.n = 2;
        await session.commit();
        expect((await memory.get(session.id))?.n).toBe(2);
      });

      it('starts a commit at its call; one called meanwhile runs after it and writes what changed since', async () => {
        const { manager, memory, store } = setup();
        const session = await manager.load<Record<string, unknown>>(undefined);
        session.data.n = 1;
        const first = session.commit();
        session.data.n = 2;
        session.data.m = 1;
        const second = session.commit();
        session.data.m = 2;
        const [one, two] = await Promise.all([first, second]);
        expect(one).toHaveLength(1);
        expect(two).toEqual(one);
        expect(store.writes()).toEqual([
          ['getAndSet', session.id],
          ['getAndSet', session.id],
        ]);
        expect(await memory.get(session.id)).toMatchObject({ n: 2, m: 2 });
      });

      it('keeps both changes when two requests change different keys of one session', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager, { base: true });
        const [one, two] = await Promise.all([
          manager.load<Record<string, unknown>>(cookie),
          manager.load<Record<string, unknown>>(cookie),
        ]);
        one.data.cart = ['apple'];
        two.data.theme = 'dark';
        await Promise.all([two.commit(), one.commit()]);
        expect(await memory.get(id)).toMatchObject({ base: true, cart: ['apple'], theme: 'dark' });
      });

      it('refuses data a store cannot keep, with a typed error, and keeps what is stored', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager, { a: 1 });
        const session = await manager.load<Record<string, unknown>>(cookie);
        session.data.fn = () => 1;
        await expect(session.commit()).rejects.toMatchObject({
          code: 'ERR_SESSION_UNSUPPORTED_DATA',
        });
        const other = await manager.load<Record<string, unknown>>(cookie);
        other.data[META_KEY] = 'mine';
        await expect(other.commit()).rejects.toMatchObject({
          code: 'ERR_SESSION_UNSUPPORTED_DATA',
        });
        expect((await memory.get(id))?.a).toBe(1);
      });

      it("refuses a getter of the app's that throws as ERR_SESSION_UNSUPPORTED_DATA, and keeps what is stored", async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager, { a: 1 });
        const session = await manager.load<Record<string, unknown>>(cookie);
        Object.defineProperty(session.data, 'lazy', {
          enumerable: true,
          get() {
            throw new Error('not loaded yet');
          },
        });
        await expect(session.commit()).rejects.toMatchObject({
          name: 'SessionError',
          code: 'ERR_SESSION_UNSUPPORTED_DATA',
          cause: expect.objectContaining({ message: 'not loaded yet' }),
        });
        expect((await memory.get(id))?.a).toBe(1);
      });

      it('reports a session too large for the store as ERR_SESSION_TOO_LARGE', async () => {
        const clock = fakeClock();
        const manager = createSessionManager({
          secret: SECRET,
          clock,
          store: new MemoryStore({ clock, maxSize: 1024 }),
        });
        const session = await manager.load<Record<string, unknown>>(undefined);
        session.data.big = 'x'.repeat(2000);
        await expect(session.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
      });
    });

    describe('touch and rolling', () => {
      it('touches an unchanged session at most once per touchAfter, across requests', async () => {
        const { manager, store, clock, memory } = setup({ ttl: 100_000, touchAfter: 10_000 });
        const { cookie, id } = await startSession(manager);
        store.calls.length = 0;
        for (let i = 0; i < 5; i++) {
          clock.advance(3_000);
          await (await manager.load(cookie)).commit();
        }
        // Writes at 12s (first past 10s since the save at 0); 15s is only 3s after that.
        expect(store.writes()).toEqual([['getAndSet', id]]);
        // The touch moved the expiry: 100s after the touch at 12s, not after the save at 0.
        // Now at 15s; the touch at 12s expires at 112s.
        clock.advance(112_000 - 15_000 - 1);
        expect(await memory.get(id)).toBeDefined();
        clock.advance(1);
        expect(await memory.get(id)).toBeUndefined();
      });

      it('re-sends a persistent cookie when it touches, and none for a browser-session cookie', async () => {
        for (const maxAge of [undefined, null]) {
          const { manager, clock } = setup({
            ttl: 100_000,
            touchAfter: 10_000,
            cookie: { maxAge },
          });
          const { cookie } = await startSession(manager);
          clock.advance(10_000);
          const headers = await (await manager.load(cookie)).commit();
          expect(headers).toHaveLength(maxAge === null ? 0 : 1);
        }
      });

      it('re-sends a persistent cookie on a write only once the last one is touchAfter old', async () => {
        const { manager, clock } = setup({ ttl: 100_000, touchAfter: 10_000 });
        const { cookie } = await startSession(manager);
        const write = async (n: number) => {
          const session = await manager.load<Record<string, unknown>>(cookie);
          session.data.n = n;
          return session.commit();
        };
        const sent: number[] = [];
        // A write every 3 s; the cookie went out at 0 (creation).
        for (let i = 1; i <= 8; i++) {
          clock.advance(3_000);
          const headers = await write(i);
          if (headers.length > 0) {
            sent.push(i * 3_000);
            expect(cookiePair(headers[0])).toBe(cookie);
            expect(cookieAttributes(headers[0]!).get('expires')).toBe(
              new Date(clock() + 100_000).toUTCString(),
            );
          }
        }
        // 12 s is the first write 10 s past 0, 24 s the first 10 s past 12.
        expect(sent).toEqual([12_000, 24_000]);
        // Every write was stored all the same.
        expect((await manager.load<Record<string, unknown>>(cookie)).data.n).toBe(8);
      });

      it('re-sends the cookie on every write with touchAfter 0, and when the app calls touch()', async () => {
        const eager = setup({ touchAfter: 0 });
        const first = await startSession(eager.manager);
        for (let i = 0; i < 3; i++) {
          eager.clock.advance(1);
          const session = await eager.manager.load<Record<string, unknown>>(first.cookie);
          session.data.n = i;
          expect(await session.commit()).toHaveLength(1);
        }
        const lazy = setup({ touchAfter: 10_000 });
        const second = await startSession(lazy.manager);
        lazy.clock.advance(1);
        const session = await lazy.manager.load(second.cookie);
        session.touch();
        expect(await session.commit()).toHaveLength(1);
      });

      it('re-sends the cookie on the first write to a record that never noted one', async () => {
        const { manager, memory, clock } = setup({ touchAfter: 10_000 });
        const { cookie, id } = await startSession(manager);
        // As written before cookieAt existed: creation and last touch only.
        const stored = (await memory.get(id))!;
        await memory.store(
          id,
          { ...stored, [META_KEY]: { created: clock(), touched: clock() } },
          DAY,
        );
        clock.advance(1);
        const session = await manager.load<Record<string, unknown>>(cookie);
        session.data.more = true;
        expect(await session.commit()).toHaveLength(1);
      });

      it('touches when the app asks, even inside touchAfter', async () => {
        const { manager, store, clock } = setup({ touchAfter: 10_000 });
        const { cookie, id } = await startSession(manager);
        store.calls.length = 0;
        clock.advance(1);
        const session = await manager.load(cookie);
        session.touch();
        await session.commit();
        expect(store.writes()).toEqual([['getAndSet', id]]);
      });

      it('re-sends the cookie on every response with rolling', async () => {
        const { manager, clock } = setup({ rolling: true, cookie: { maxAge: 60_000 } });
        const { cookie } = await startSession(manager);
        clock.advance(1000);
        const [header] = await (await manager.load(cookie)).commit();
        expect(cookiePair(header)).toBe(cookie);
        expect(cookieAttributes(header!).get('expires')).toBe(
          new Date(clock() + 60_000).toUTCString(),
        );
      });

      it('sends no rolling cookie for an id a concurrent request regenerated or destroyed', async () => {
        const { manager, clock } = setup({ rolling: true });
        for (const end of ['regenerate', 'destroy'] as const) {
          const { cookie } = await startSession(manager);
          const slow = await manager.load(cookie); // a read-only request, answered last
          const other = await manager.load(cookie);
          await other[end]();
          await other.commit();
          clock.advance(1000);
          // Sent after the other response, the old id's cookie would log the browser out.
          expect(slow.cookieHeaders()).toHaveLength(1);
          expect(await slow.commit()).toEqual([]);
        }
      });

      it('gives a rolling cookie the maxAge a concurrent request stored', async () => {
        const { manager, clock } = setup({ rolling: true });
        const { cookie } = await startSession(manager);
        const slow = await manager.load(cookie);
        const other = await manager.load(cookie);
        other.maxAge = null; // "do not remember me": a browser-session cookie
        expect(cookieAttributes((await other.commit())[0]!).has('max-age')).toBe(false);
        clock.advance(1000);
        const [header] = await slow.commit();
        expect(cookiePair(header)).toBe(cookie);
        expect(cookieAttributes(header!).has('max-age')).toBe(false);
      });

      it('does not resurrect a session deleted by someone else when touching', async () => {
        const { manager, memory, clock } = setup({ touchAfter: 0 });
        const { cookie, id } = await startSession(manager);
        const session = await manager.load(cookie);
        await memory.delete(id);
        clock.advance(1);
        expect(await session.commit()).toEqual([]);
        expect(await memory.get(id)).toBeUndefined();
      });
    });

    describe('secret rotation', () => {
      const NEW = 'the-new-secret-that-is-at-least-32-characters';

      it('accepts a cookie signed with an older secret and re-signs it with the first', async () => {
        const clock = fakeClock();
        const store = new MemoryStore({ clock });
        const before = createSessionManager({
          secret: SECRET,
          store,
          clock,
          cookie: { maxAge: null },
        });
        const { cookie, id } = await startSession(before);
        const after = createSessionManager({
          secret: [NEW, SECRET],
          store,
          clock,
          cookie: { maxAge: null },
        });
        const session = await after.load(cookie);
        expect(session.isNew).toBe(false);
        const [header] = await session.commit();
        expect(cookiePair(header)).toBe(`fmsid=${signId(id, NEW)}`);
        // Once re-signed, nothing more to send.
        expect(await (await after.load(cookiePair(header))).commit()).toEqual([]);
      });

      it('re-signs no cookie for an id a concurrent request regenerated', async () => {
        const clock = fakeClock();
        const store = new MemoryStore({ clock });
        const { cookie } = await startSession(
          createSessionManager({ secret: SECRET, store, clock }),
        );
        const after = createSessionManager({ secret: [NEW, SECRET], store, clock });
        const slow = await after.load(cookie);
        const login = await after.load(cookie);
        await login.regenerate();
        await login.commit();
        expect(await slow.commit()).toEqual([]);
      });

      it('refuses the old cookie once the old secret is dropped', async () => {
        const clock = fakeClock();
        const store = new MemoryStore({ clock });
        const { cookie } = await startSession(
          createSessionManager({ secret: SECRET, store, clock }),
        );
        const rotated = createSessionManager({ secret: NEW, store, clock });
        expect((await rotated.load(cookie)).isNew).toBe(true);
      });
    });

    describe('regenerate', () => {
      /** A session loaded as `login` while another request of it adds `cart` and drops `gone`. */
      async function loadedBeforeAnotherChange() {
        const { manager } = setup();
        const { cookie } = await startSession(manager, { user: 'ann', gone: true });
        const login = await manager.load<Record<string, unknown>>(cookie);
        const other = await manager.load<Record<string, unknown>>(cookie);
        other.data.cart = ['apple'];
        delete other.data.gone;
        await other.commit();
        return { manager, login };
      }

      it('moves the data and flash to a new id and kills the old one (fixation)', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager, { cart: ['apple'] });
        const session = await manager.load<Record<string, unknown>>(cookie);
        session.flash('info', 'welcome');
        await session.regenerate();
        session.data.user = 'ann';
        expect(session.id).not.toBe(id);
        const [header] = await session.commit();
        expect(cookiePair(header)).toBe(`fmsid=${signId(session.id, SECRET)}`);

        const old = await manager.load(cookie);
        expect(old.isNew).toBe(true);
        expect(old.id).not.toBe(id);
        const fresh = await manager.load<Record<string, unknown>>(cookiePair(header));
        expect(fresh.data).toEqual({ cart: ['apple'], user: 'ann' });
        expect(fresh.flashes('info')).toEqual(['welcome']);
        expect(await memory.get(id)).toMatchObject({ [META_KEY]: { dead: true } });
      });

      it('keeps a request that loaded the old id from bringing it back', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager);
        const inflight = await manager.load<Record<string, unknown>>(cookie);
        const login = await manager.load(cookie);
        await login.regenerate();
        await login.commit();
        inflight.data.late = true;
        // No Set-Cookie: a clearing cookie here would log the browser out of the new id.
        expect(await inflight.commit()).toEqual([]);
        expect((await manager.load(cookie)).isNew).toBe(true);
      });

      it('lets no request that left with the old cookie undo the login by a cookie of its own', async () => {
        const { manager, memory, clock } = setup();
        const { cookie, id } = await startSession(manager);
        const login = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        login.data.user = 'bob';
        const [loginCookie] = await login.commit();
        // Sent before the login's response came back: a new session, which stores nothing and
        // sends no cookie, so the browser keeps the one the login just set.
        const late = await manager.load<Record<string, unknown>>(cookie);
        expect(late.isNew).toBe(true);
        late.data.lastSeen = 1;
        late.flash('info', 'late');
        expect(late.cookieHeaders()).toEqual([]);
        expect(await late.commit()).toEqual([]);
        expect(await memory.get(late.id)).toBeUndefined();
        // A login of its own still gets its cookie.
        const again = await manager.load<Record<string, unknown>>(cookie);
        await again.regenerate();
        again.data.user = 'ann';
        expect(await again.commit()).toHaveLength(1);
        expect((await manager.load(cookiePair(loginCookie))).data).toEqual({ user: 'bob' });
        // A browser that kept the old cookie (the login's response lost) starts over later.
        clock.advance(10_000);
        const stale = await manager.load<Record<string, unknown>>(cookie);
        stale.data.cart = ['apple'];
        expect(await stale.commit()).toHaveLength(1);
        expect(await memory.get(id)).toMatchObject({ [META_KEY]: { dead: true } });
      });

      it('does not bring back a session destroyed since its load (only its own changes move)', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager, { user: 'ann', role: 'admin' });
        const flasher = await manager.load(cookie);
        flasher.flash('info', 'stored before the logout');
        await flasher.commit();
        const elevate = await manager.load<Record<string, unknown>>(cookie);
        const logout = await manager.load(cookie);
        await logout.destroy();
        await logout.commit();
        elevate.data.step = 'sudo';
        elevate.flash('info', 'own');
        await elevate.regenerate();
        expect(elevate.data).toEqual({ step: 'sudo' });
        const [header] = await elevate.commit();
        const fresh = await manager.load<Record<string, unknown>>(cookiePair(header));
        expect(fresh.data).toEqual({ step: 'sudo' });
        expect(fresh.flashes('info')).toEqual(['own']);
      });

      it('drops keys named like Object.prototype members that were removed since its load', async () => {
        const { manager } = setup();
        const data = { user: 'ann', constructor: 'c', toString: 't', valueOf: 'v' };
        const { cookie } = await startSession(manager, data);
        const login = await manager.load<Record<string, unknown>>(cookie);
        const other = await manager.load<Record<string, unknown>>(cookie);
        Reflect.deleteProperty(other.data, 'constructor');
        await other.commit();
        const elevate = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        expect(login.data).toEqual({ user: 'ann', toString: 't', valueOf: 'v' });
        const [header] = await login.commit();
        const fresh = await manager.load<Record<string, unknown>>(cookiePair(header));
        expect(fresh.data).toEqual({ user: 'ann', toString: 't', valueOf: 'v' });
        // The session is gone (regenerated): only this request's own changes move, not the
        // keys it loaded, whatever their names.
        elevate.data.step = 'sudo';
        await elevate.regenerate();
        expect(elevate.data).toEqual({ step: 'sudo' });
      });

      it('carries over what other requests stored since this one loaded, and its own changes', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager, { a: 1, b: 1, gone: true });
        const login = await manager.load<Record<string, unknown>>(cookie);
        const other = await manager.load<Record<string, unknown>>(cookie);
        other.data.b = 2;
        other.data.fromOther = 'yes';
        delete other.data.gone;
        other.flash('info', 'from other');
        await other.commit();
        login.data.a = 'mine';
        const held = login.data;
        await login.regenerate();
        expect(login.data).toBe(held);
        expect(login.data).toEqual({ a: 'mine', b: 2, fromOther: 'yes' });
        const fresh = await manager.load<Record<string, unknown>>(
          cookiePair((await login.commit())[0]),
        );
        expect(fresh.data).toEqual({ a: 'mine', b: 2, fromOther: 'yes' });
        expect(fresh.flashes('info')).toEqual(['from other']);
      });

      it('puts the old record back when the new id cannot be written: the browser keeps its session', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager, { cart: ['apple'] });
        const login = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        login.data.user = 'ann';
        login.data.big = 'x'.repeat(1_100_000);
        await expect(login.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
        expect(await memory.get(login.id)).toBeUndefined();
        const back = await manager.load<Record<string, unknown>>(cookie);
        expect(back.isNew).toBe(false);
        expect(back.id).toBe(id);
        expect(back.data).toEqual({ cart: ['apple'] });
      });

      it('refuses data no store can keep before the old id dies: the session keeps its id', async () => {
        const { manager, store } = setup();
        const { cookie, id } = await startSession(manager, { user: 'ann' });
        const login = await manager.load<Record<string, unknown>>(cookie);
        login.data.pending = Promise.resolve('a missing await');
        store.calls.length = 0;
        await expect(login.regenerate()).rejects.toMatchObject({
          code: 'ERR_SESSION_UNSUPPORTED_DATA',
        });
        expect(store.writes()).toEqual([]);
        expect(login.id).toBe(id);
        delete login.data.pending; // an error handler's clean-up, then the response's commit
        await login.commit();
        const back = await manager.load<Record<string, unknown>>(cookie);
        expect(back.isNew).toBe(false);
        expect(back.data).toEqual({ user: 'ann' });
      });

      it('puts the old record back when the data turns unstorable while the old id is killed', async () => {
        const { manager } = setup();
        const { cookie, id } = await startSession(manager, { user: 'ann' });
        const login = await manager.load<Record<string, unknown>>(cookie);
        const regenerating = login.regenerate();
        login.data.callback = () => 'not data'; // while regenerate() waits for the store
        await expect(regenerating).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED_DATA' });
        expect(login.id).toBe(id);
        const back = await manager.load<Record<string, unknown>>(cookie);
        expect(back.isNew).toBe(false);
        expect(back.data).toEqual({ user: 'ann' });
      });

      it('takes frozen or sealed data, which it cannot update in place', async () => {
        for (const seal of [Object.freeze, Object.seal, Object.preventExtensions]) {
          const { manager, login } = await loadedBeforeAnotherChange();
          login.data = seal({ ...login.data, user: 'bob' });
          await login.regenerate();
          expect(login.data).toEqual({ user: 'bob', cart: ['apple'] });
          const [header] = await login.commit();
          const fresh = await manager.load<Record<string, unknown>>(cookiePair(header));
          expect(fresh.data).toEqual({ user: 'bob', cart: ['apple'] });
        }
      });

      it('takes data with a read-only or getter-only property, leaving nothing half-merged', async () => {
        const readOnly = (data: object) =>
          Object.defineProperty(data, 'role', {
            value: 'admin',
            enumerable: true,
            writable: false,
          });
        const getterOnly = (data: object) =>
          Object.defineProperty(data, 'role', { get: () => 'admin', enumerable: true });
        for (const lock of [readOnly, getterOnly]) {
          const { manager, login } = await loadedBeforeAnotherChange();
          const held = lock({ ...login.data, user: 'bob' }) as Record<string, unknown>;
          login.data = held;
          await login.regenerate();
          expect(login.data).toEqual({ user: 'bob', role: 'admin', cart: ['apple'] });
          // The object the app holds is left as it was, not half-merged.
          expect(held).toEqual({ user: 'bob', gone: true, role: 'admin' });
          const [header] = await login.commit();
          const fresh = await manager.load<Record<string, unknown>>(cookiePair(header));
          expect(fresh.data).toEqual({ user: 'bob', role: 'admin', cart: ['apple'] });
        }
      });

      it('leaves the old id dead once the new one was written, or when a logout killed it since', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager, { cart: ['apple'] });
        const logout = await manager.load(cookie);
        const login = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        await logout.destroy();
        await logout.commit();
        login.data.big = 'x'.repeat(1_100_000);
        await expect(login.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
        expect((await manager.load(cookie)).isNew).toBe(true);

        const second = await startSession(manager, { cart: ['pear'] });
        const next = await manager.load<Record<string, unknown>>(second.cookie);
        await next.regenerate();
        next.data.user = 'bob';
        await next.commit();
        next.data.big = 'x'.repeat(1_100_000);
        await expect(next.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
        expect((await manager.load(second.cookie)).isNew).toBe(true);
      });

      it('kills the revived old id once the new one is written after all, or on destroy()', async () => {
        const { manager } = setup();
        for (const end of ['retry', 'destroy'] as const) {
          const { cookie } = await startSession(manager, { cart: ['apple'] });
          const login = await manager.load<Record<string, unknown>>(cookie);
          await login.regenerate();
          login.data.user = 'admin';
          login.data.big = 'x'.repeat(1_100_000);
          await expect(login.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
          expect((await manager.load(cookie)).isNew).toBe(false);
          // An error page's commit (express-session's save-then-next(err) does this), or a
          // logout in the error handler.
          delete login.data.big;
          if (end === 'destroy') await login.destroy();
          const headers = await login.commit();
          expect(headers).toHaveLength(1);
          expect((await manager.load(cookie)).isNew).toBe(true);
          if (end === 'retry') {
            const fresh = await manager.load<Record<string, unknown>>(cookiePair(headers[0]));
            expect(fresh.data).toEqual({ cart: ['apple'], user: 'admin' });
          }
        }
      });

      it('still puts the old record back after other requests of the old id touched it or added keys', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager, { user: 'ann' });
        const toucher = await manager.load(cookie);
        const adder = await manager.load<Record<string, unknown>>(cookie);
        const login = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        toucher.touch();
        adder.data.lastSeen = 1;
        expect(await toucher.commit()).toEqual([]);
        expect(await adder.commit()).toEqual([]);
        login.data.big = 'x'.repeat(1_100_000);
        await expect(login.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
        const back = await manager.load<Record<string, unknown>>(cookie);
        expect(back.isNew).toBe(false);
        expect(back.data).toEqual({ user: 'ann' });
      });

      it('retries a failed kill of the revived old id on the next commit, before any cookie goes out', async () => {
        const { manager, store } = setup();
        const { cookie } = await startSession(manager, { cart: ['apple'] });
        const login = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        login.data.big = 'x'.repeat(1_100_000);
        await expect(login.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
        delete login.data.big;
        const storeRecord = store.store;
        store.store = () => Promise.reject(new Error('down'));
        // The new id is written, the old one's kill fails: the commit fails.
        await expect(login.commit()).rejects.toThrow('down');
        expect((await manager.load(cookie)).isNew).toBe(false);
        store.store = storeRecord;
        // Nothing left to write: the kill still comes first.
        expect(await login.commit()).toHaveLength(1);
        expect((await manager.load(cookie)).isNew).toBe(true);
      });

      it('does not bring back what a request of the old id removed meanwhile (a logout by deleting keys)', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager, { user: 'ann', cart: ['apple'] });
        const logout = await manager.load<Record<string, unknown>>(cookie);
        const login = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        delete logout.data.user;
        // Dropped on regenerate()'s tombstone: no cookie, nothing written...
        expect(await logout.commit()).toEqual([]);
        login.data.big = 'x'.repeat(1_100_000);
        await expect(login.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
        // ...so the undo must not put the user back either.
        expect((await manager.load(cookie)).isNew).toBe(true);
      });

      it('works on a new session that was never stored', async () => {
        const { manager, store } = setup();
        const session = await manager.load<Record<string, unknown>>(undefined);
        const first = session.id;
        await session.regenerate();
        expect(session.id).not.toBe(first);
        expect(store.writes()).toEqual([]);
        expect(await session.commit()).toHaveLength(1);
      });
    });

    describe('destroy', () => {
      it('deletes the session, exposes no data and clears the cookie', async () => {
        const { manager } = setup({ cookie: { secure: true } });
        const { cookie } = await startSession(manager, { user: 'ann' });
        const session = await manager.load<Record<string, unknown>>(cookie);
        await session.destroy();
        expect(session.destroyed).toBe(true);
        expect(session.data).toEqual({});
        const headers = await session.commit();
        expect(headers).toHaveLength(1);
        expect(session.cookieHeaders()).toEqual(headers);
        const attributes = cookieAttributes(headers[0]!);
        expect(cookiePair(headers[0])).toBe('fmsid=');
        expect(attributes.get('max-age')).toBe('0');
        expect(new Date(attributes.get('expires')!).getTime()).toBe(0);
        expect(attributes.get('path')).toBe('/');
        expect(attributes.has('secure')).toBe(true);
        expect((await manager.load(cookie)).isNew).toBe(true);
      });

      it('stays dead when a request that loaded it before commits after (no resurrection)', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager, { user: 'ann' });
        const inflight = await manager.load<Record<string, unknown>>(cookie);
        const logout = await manager.load(cookie);
        await logout.destroy();
        await logout.commit();
        inflight.data.cart = ['late write'];
        inflight.flash('info', 'late');
        expect(await inflight.commit()).toEqual([]);
        const after = await manager.load<Record<string, unknown>>(cookie);
        expect(after.isNew).toBe(true);
        expect(after.data).toEqual({});
        expect(await memory.get(id)).toEqual({
          [META_KEY]: expect.objectContaining({ dead: true }),
        });
      });

      it('lets a browser whose logout never arrived start over at once (revoked elsewhere, a lost response)', async () => {
        // Only a login's old id holds late requests back: nothing they send can undo a logout,
        // and a login form's CSRF token stored right after a revocation must not be dropped.
        const { manager, memory } = setup();
        const { cookie } = await startSession(manager);
        const logout = await manager.load(cookie);
        await logout.destroy();
        await logout.commit();
        const after = await manager.load<Record<string, unknown>>(cookie);
        expect(after.isNew).toBe(true);
        after.data.csrf = 'token';
        expect(await after.commit()).toHaveLength(1);
        expect(await memory.get(after.id)).toMatchObject({ csrf: 'token' });
      });

      it('sends no clearing cookie for an id a concurrent login killed (it would log the browser out)', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager);
        const early = await manager.load<Record<string, unknown>>(cookie);
        const login = await manager.load<Record<string, unknown>>(cookie);
        await login.regenerate();
        login.data.user = 'bob';
        const [loginCookie] = await login.commit();
        // Left with the old cookie before the login answered, loaded after: an auth guard
        // destroys the session it finds empty.
        const late = await manager.load<Record<string, unknown>>(cookie);
        await late.destroy();
        expect(late.destroyed).toBe(true);
        expect(late.cookieHeaders()).toEqual([]);
        expect(await late.commit()).toEqual([]);
        // Loaded before the login, found its id dead at commit, then destroyed.
        early.data.x = 1;
        expect(await early.commit()).toEqual([]);
        await early.destroy();
        expect(await early.commit()).toEqual([]);
        expect((await manager.load(cookiePair(loginCookie))).data).toEqual({ user: 'bob' });
      });

      it('sends no clearing cookie from a destroy() loaded before a concurrent login or logout killed the id', async () => {
        for (const killer of ['login', 'logout'] as const) {
          const { manager, memory } = setup();
          const { cookie, id } = await startSession(manager);
          // Loaded before the kill, destroyed after it with no commit in between.
          const early = await manager.load<Record<string, unknown>>(cookie);
          const other = await manager.load<Record<string, unknown>>(cookie);
          if (killer === 'login') {
            await other.regenerate();
            other.data.user = 'bob';
          } else {
            await other.destroy();
          }
          const [otherCookie] = await other.commit();
          const killed = await memory.get(id);
          await early.destroy();
          expect(early.cookieHeaders()).toEqual([]);
          expect(await early.commit()).toEqual([]);
          // The kill's own tombstone stays (a login's, marked, still holds its late requests
          // back), but no undo of the login can bring back the session destroyed here.
          const meta = (killed as Record<string, Record<string, unknown>>)[META_KEY]!;
          expect(await memory.get(id)).toEqual({
            [META_KEY]: killer === 'login' ? { ...meta, mark: '' } : meta,
          });
          if (killer === 'login') {
            const late = await manager.load<Record<string, unknown>>(cookie);
            late.data.x = 1;
            expect(await late.commit()).toEqual([]);
            expect((await manager.load(cookiePair(otherCookie))).data).toEqual({ user: 'bob' });
          }
        }
      });

      it('makes regenerate and flash typed errors, and is idempotent', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager);
        const session = await manager.load(cookie);
        await session.destroy();
        await session.destroy();
        expect(() => session.flash('k', 1)).toThrow(
          expect.objectContaining({ code: 'ERR_SESSION_DESTROYED' }),
        );
        await expect(session.regenerate()).rejects.toMatchObject({ code: 'ERR_SESSION_DESTROYED' });
        expect(session.flashes('k')).toEqual([]);
      });

      it('takes data written after destroy without storing it (code guarded by `if (session)` keeps working)', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager);
        const session = await manager.load<Record<string, unknown>>(cookie);
        await session.destroy();
        // koa-session and @fastify/session make a destroyed session null, so middleware that
        // stamps `if (ctx.session) ctx.session.lastSeen = now` skips it there; here it is a no-op.
        session.data.lastSeen = 1;
        session.data = { guest: true };
        expect(await session.commit()).toEqual([expect.stringContaining('Max-Age=0')]);
        expect(await memory.get(id)).toEqual({
          [META_KEY]: expect.objectContaining({ dead: true }),
        });
      });

      it('lets the tombstone expire after tombstoneTtl', async () => {
        const { manager, memory, clock } = setup({ tombstoneTtl: 1000 });
        const { cookie, id } = await startSession(manager);
        await (await manager.load(cookie)).destroy();
        clock.advance(1000);
        expect(await memory.get(id)).toBeUndefined();
      });
    });

    describe('flash', () => {
      it('keeps messages for the next request and returns each once', async () => {
        const { manager } = setup();
        const first = await manager.load(undefined);
        first.flash('info', 'saved');
        first.flash('info', { n: 2 });
        first.flash('error', 'oops');
        const cookie = cookiePair((await first.commit())[0]);

        const second = await manager.load(cookie);
        expect(second.flashes('info')).toEqual(['saved', { n: 2 }]);
        expect(second.flashes('info')).toEqual([]);
        await second.commit();

        const third = await manager.load(cookie);
        expect(third.flashes('info')).toEqual([]);
        expect(third.flashes('error')).toEqual(['oops']);
      });

      it('flashes<T>() types the messages as the app queued them; unknown without T', async () => {
        const { manager } = setup();
        const first = await manager.load(undefined);
        first.flash('info', 'saved');
        first.flash('error', 'oops');
        const cookie = cookiePair((await first.commit())[0]);

        const second = await manager.load(cookie);
        const info: string[] = second.flashes<string>('info');
        const rest = second.flashes();
        expect(info).toEqual(['saved']);
        // @ts-expect-error T defaults to unknown, not any
        expect(rest satisfies Record<string, string[]>).toEqual({ error: ['oops'] });
        const none: Record<string, number[]> = second.flashes<number>();
        expect(none).toEqual({});
      });

      it('flash() returns how many messages of its key are unread, stored ones included', async () => {
        const { manager } = setup();
        const first = await manager.load(undefined);
        expect(first.flash('info', 'a')).toBe(1);
        expect(first.flash('info', 'b')).toBe(2);
        expect(first.flash('error', 'x')).toBe(1);
        const cookie = cookiePair((await first.commit())[0]);

        const second = await manager.load(cookie);
        expect(second.flash('info', 'c')).toBe(3);
        expect(second.flashes('info')).toEqual(['a', 'b', 'c']);
        expect(second.flash('info', 'd')).toBe(1);
      });

      it("takes keys named like Object.prototype's members as any other, and refuses __proto__", async () => {
        const { manager } = setup();
        const first = await manager.load(undefined);
        expect(first.flashes('constructor')).toEqual([]);
        first.flash('constructor', 'c');
        first.flash('toString', 't');
        expect(() => first.flash('__proto__', 'p')).toThrow(
          expect.objectContaining({ code: 'ERR_SESSION_UNSUPPORTED_DATA' }),
        );
        const cookie = cookiePair((await first.commit())[0]);
        const second = await manager.load(cookie);
        second.flash('toString', 'more');
        expect(second.flashes('constructor')).toEqual(['c']);
        expect(second.flashes('__proto__')).toEqual([]);
        await second.commit();
        const third = await manager.load(cookie);
        expect(third.flashes()).toEqual({ toString: ['t', 'more'] });
      });

      it('flashes() with no key returns every unread message by key, once', async () => {
        const { manager } = setup();
        const first = await manager.load(undefined);
        first.flash('info', 'saved');
        first.flash('error', 'oops');
        const cookie = cookiePair((await first.commit())[0]);
        const second = await manager.load(cookie);
        expect(second.flashes('error')).toEqual(['oops']);
        second.flash('info', 'now');
        second.flash('warn', 'late');
        expect(second.flashes()).toEqual({ info: ['saved', 'now'], warn: ['late'] });
        expect(second.flashes()).toEqual({});
        await second.commit();
        expect((await manager.load(cookie)).flashes()).toEqual({});
      });

      it('returns messages queued in the same request too', async () => {
        const { manager } = setup();
        const session = await manager.load(undefined);
        session.flash('info', 'now');
        expect(session.flashes('info')).toEqual(['now']);
        expect(await session.commit()).toEqual([]);
      });

      it('neither loses nor repeats messages when requests overlap', async () => {
        const { manager } = setup();
        const { cookie } = await startSession(manager);
        const seed = await manager.load(cookie);
        seed.flash('info', 'one');
        await seed.commit();
        const reader = await manager.load(cookie);
        const writer = await manager.load(cookie);
        expect(reader.flashes('info')).toEqual(['one']);
        writer.flash('info', 'two');
        await writer.commit();
        await reader.commit();
        expect((await manager.load(cookie)).flashes('info')).toEqual(['two']);
      });

      it('keeps stored messages through commits of requests that never look at them', async () => {
        const { manager, memory } = setup();
        const { cookie, id } = await startSession(manager);
        const seed = await manager.load(cookie);
        seed.flash('info', 'kept');
        await seed.commit();
        // A request that only changes data writes the record again, messages included.
        const busy = await manager.load<Record<string, unknown>>(cookie);
        busy.data.n = 1;
        await busy.commit();
        // Queued after a commit of a request that had not touched flash before.
        busy.flash('info', 'later');
        await busy.commit();
        expect((await memory.get(id))?.[META_KEY]).toMatchObject({
          flash: { info: ['kept', 'later'] },
        });
        const reader = await manager.load(cookie);
        expect(reader.flashes('info')).toEqual(['kept', 'later']);
      });
    });

    describe('manager', () => {
      it('closes only a store it created', async () => {
        const { manager, memory } = setup();
        await manager.close();
        await manager.close();
        await expect(memory.get('x')).resolves.toBeUndefined();
      });

      it('propagates store failures on load as typed errors', async () => {
        const { manager, memory } = setup();
        const { cookie } = await startSession(manager);
        await memory.close();
        await expect(manager.load(cookie)).rejects.toMatchObject({
          code: 'ERR_SESSION_STORE_UNAVAILABLE',
        });
      });

      it('runs commit, regenerate and destroy in call order, also after one of them failed', async () => {
        const { manager, memory } = setup();
        const { cookie } = await startSession(manager);
        const session = await manager.load<Record<string, unknown>>(cookie);
        const order: string[] = [];
        let failNext = true;
        // The backend fails once, on whichever path this run's manager writes through.
        if (mode === 'sync') {
          const realGetAndSetSync = memory.getAndSetSync.bind(memory);
          memory.getAndSetSync = (id, fn, ttl) => {
            if (failNext) {
              failNext = false;
              throw new Error('backend down');
            }
            return realGetAndSetSync(id, fn, ttl);
          };
        } else {
          const realGetAndSet = memory.getAndSet.bind(memory);
          memory.getAndSet = (id, fn, ttl) => {
            if (failNext) {
              failNext = false;
              return Promise.reject(new Error('backend down'));
            }
            return realGetAndSet(id, fn, ttl);
          };
        }
        session.data.n = 1;
        const failed = session.commit().then(
          () => order.push('commit ok'),
          () => order.push('commit failed'),
        );
        const retried = session.commit().then(() => order.push('commit retried'));
        const destroyed = session.destroy().then(() => order.push('destroyed'));
        await Promise.all([failed, retried, destroyed]);
        expect(order).toEqual(['commit failed', 'commit retried', 'destroyed']);
        expect(session.destroyed).toBe(true);
      });

      it('refuses a genid that returns a weak id', async () => {
        const { manager } = setup({ genid: () => 'short' });
        await expect(manager.load(undefined)).rejects.toMatchObject({
          code: 'ERR_SESSION_INVALID_ID',
        });
      });

      it('is not called before a session needs an id: a deterministic generator gives its first id to the first session', async () => {
        let n = 0;
        const { manager } = setup({ genid: () => `test-session-id-000000${n++}` });
        expect(n).toBe(0);
        expect((await manager.load(undefined)).id).toBe('test-session-id-0000000');
      });

      it("names the cause when genid throws (express-session's genid(req)) or is async", async () => {
        const needsReq = (req: { ip: string }) => `${req.ip}-0123456789abcdefghijklmnop`;
        const { manager } = setup({ genid: needsReq as unknown as () => string });
        await expect(manager.load(undefined)).rejects.toMatchObject({
          code: 'ERR_SESSION_OPTIONS',
          message: expect.stringMatching(/genid\(\) threw \(it is called with no arguments/),
          cause: expect.any(TypeError),
        });
        const unhandled: unknown[] = [];
        const onUnhandled = (reason: unknown) => unhandled.push(reason);
        process.on('unhandledRejection', onUnhandled);
        try {
          const async = setup({
            genid: (async () => {
              throw new Error('id service down');
            }) as unknown as () => string,
          });
          await expect(async.manager.load(undefined)).rejects.toMatchObject({
            code: 'ERR_SESSION_OPTIONS',
            message: expect.stringMatching(/returned a Promise/),
          });
          await new Promise((resolve) => setTimeout(resolve, 20));
          expect(unhandled).toEqual([]);
        } finally {
          process.off('unhandledRejection', onUnhandled);
        }
      });
    });
  });
}
