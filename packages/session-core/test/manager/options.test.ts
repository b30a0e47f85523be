import { describe, expect, it } from 'vitest';
import { createSessionManager, MemoryStore, type SessionManagerOptions } from '../../src/index.js';
import { SECRET } from '../helpers.js';

function optionsError(options: Partial<SessionManagerOptions>) {
  try {
    createSessionManager({ store: new MemoryStore(), ...options } as SessionManagerOptions);
  } catch (err) {
    return err as { name: string; code: string; message: string };
  }
  throw new Error('createSessionManager accepted the options');
}

describe('createSessionManager options', () => {
  it.each([
    ['no secret', {}],
    ['a short secret', { secret: 'too-short' }],
    ['a 31-character secret', { secret: 'x'.repeat(31) }],
    ['an empty secret array', { secret: [] }],
    ['a short secret among good ones', { secret: [SECRET, 'short'] }],
    ['a non-string secret', { secret: [42] as unknown as string[] }],
  ])('rejects %s with ERR_SESSION_OPTIONS', (_, options) => {
    const err = optionsError(options);
    expect(err.name).toBe('SessionError');
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
  });

  it.each([
    ['a cookie name with a space', { name: 'my sid' }],
    ['a zero ttl', { ttl: 0 }],
    ['an infinite ttl', { ttl: Number.POSITIVE_INFINITY }],
    // "Never expire" as a huge number: Expires would be past the last valid Date.
    ['a ttl past 1,000 years', { ttl: Number.MAX_SAFE_INTEGER }],
    ['a cookie.maxAge past 1,000 years', { cookie: { maxAge: 1e15 } }],
    // Max-Age=0, a cookie the browser deletes at once.
    ['a cookie.maxAge under a second', { cookie: { maxAge: 500 } }],
    // ...and so would a ttl under a second that the cookie takes its lifetime from.
    ['a ttl under a second without cookie.maxAge', { ttl: 999 }],
    ['an absoluteTimeout past 1,000 years', { absoluteTimeout: 1e15 }],
    ['a negative touchAfter', { touchAfter: -1 }],
    // Nothing would refresh an active session before it ran out.
    ['a touchAfter as long as ttl', { ttl: 3_600_000, touchAfter: 3_600_000 }],
    ['a touchAfter past cookie.maxAge', { cookie: { maxAge: 3_600_000 }, touchAfter: 7_200_000 }],
    ['SameSite=None without Secure', { cookie: { sameSite: 'none', secure: false } }],
    ['Partitioned without Secure', { cookie: { partitioned: true, secure: false } }],
    ['__Host- without Secure', { name: '__Host-sid', cookie: { secure: 'auto' } }],
    [
      '__Host- with a domain',
      { name: '__Host-sid', cookie: { secure: true, domain: 'a.example' } },
    ],
    ['__Secure- without Secure', { name: '__Secure-sid', cookie: { secure: false } }],
    // Browsers match the prefixes case-insensitively, and drop such cookies all the same.
    ['__host- (any case) without Secure', { name: '__host-sid', cookie: { secure: 'auto' } }],
    [
      '__HOST- (any case) with a domain',
      { name: '__HOST-sid', cookie: { secure: true, domain: 'a.example' } },
    ],
    ['__SECURE- (any case) without Secure', { name: '__SECURE-sid', cookie: { secure: false } }],
    ['a relative cookie path', { cookie: { path: 'app' } }],
    ['a cookie path with a semicolon', { cookie: { path: '/a;b' } }],
    ['a cookie domain with a space', { cookie: { domain: 'exa mple.com' } }],
    // Not strings: each passed the check as its string, and went out as Domain=123 or the like.
    ['a cookie domain that is a number', { cookie: { domain: 123 as never } }],
    ['a cookie domain in an array', { cookie: { domain: ['a.example'] as never } }],
    ['an unknown sameSite', { cookie: { sameSite: 'sometimes' as never } }],
    ['an unknown priority', { cookie: { priority: 'urgent' as never } }],
    ['a priority that is not a string', { cookie: { priority: 1 as never } }],
    [
      'SameSite=None (any case) without Secure',
      { cookie: { sameSite: 'None' as never, secure: false } },
    ],
    ['a store that is not a Store', { store: {} as never }],
  ] as [string, Partial<SessionManagerOptions>][])('rejects %s', (_, options) => {
    expect(optionsError({ secret: SECRET, ...options }).code).toBe('ERR_SESSION_OPTIONS');
  });

  it('takes a ttl under a second when the cookie has a lifetime of its own', () => {
    const store = new MemoryStore();
    for (const maxAge of [1000, null]) {
      const manager = createSessionManager({ secret: SECRET, store, ttl: 999, cookie: { maxAge } });
      expect(manager.options.ttl).toBe(999);
    }
  });

  it('says which lifetime a touchAfter is too long for', () => {
    expect(optionsError({ secret: SECRET, touchAfter: 86_400_000 }).message).toMatch(
      /touchAfter \(86400000 ms\) must be shorter than ttl \(86400000 ms\)/,
    );
    const cookie = { maxAge: 600_000 };
    expect(optionsError({ secret: SECRET, cookie, touchAfter: 3_600_000 }).message).toMatch(
      /must be shorter than cookie.maxAge \(600000 ms\)/,
    );
  });

  it('refuses a clock reading that is not ms since the epoch, at the call, storing nothing', async () => {
    for (const reading of [Number.NaN, -5, undefined, new Date(), Number.POSITIVE_INFINITY]) {
      const store = new MemoryStore();
      let now: unknown = 1_700_000_000_000;
      const clock = () => now as number;
      const manager = createSessionManager({ secret: SECRET, store, clock });
      const session = await manager.load<{ user?: string }>(undefined);
      session.data.user = 'ann';
      now = reading;
      const err = await session.commit().then(
        () => undefined,
        (e: unknown) => e as { code?: string; message: string },
      );
      expect(err?.code, String(reading)).toBe('ERR_SESSION_OPTIONS');
      expect(err?.message).toMatch(/session manager: clock\(\) must return ms since the epoch/);
      expect(store.size, String(reading)).toBe(0);
    }
  });

  it('refuses a clock reading past the last date a cookie can expire on (a clock in µs or ns)', async () => {
    // Date ends at 8.64e15 ms; a cookie's Expires is the reading plus up to 1,000 years.
    const tooLate = [8.64e15, Number.MAX_SAFE_INTEGER, 1.7e18];
    for (const reading of tooLate) {
      const store = new MemoryStore();
      const manager = createSessionManager({ secret: SECRET, store, clock: () => reading });
      const err = await manager.load(undefined).then(
        (session) => {
          (session.data as { user?: string }).user = 'ann';
          return session.commit().then(
            () => undefined,
            (e: unknown) => e,
          );
        },
        (e: unknown) => e,
      );
      expect(err, String(reading)).toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
      expect((err as Error).message).toMatch(/session manager: clock\(\)/);
      expect(store.size, String(reading)).toBe(0);
    }
    // The latest reading that still works: a 1,000-year cookie expires on Date's last day.
    const latest = 8.64e15 - 1000 * 365.25 * 86_400_000;
    const ttl = 1000 * 365.25 * 86_400_000;
    const manager = createSessionManager({
      secret: SECRET,
      store: new MemoryStore(),
      ttl,
      clock: () => latest,
    });
    const session = await manager.load<{ user?: string }>(undefined);
    session.data.user = 'ann';
    const [cookie] = await session.commit();
    expect(cookie).toContain(`Expires=${new Date(8.64e15).toUTCString()}`);
  });

  it('accepts a ttl of 1,000 years, and its cookie carries a valid Expires', async () => {
    const ttl = 1000 * 365.25 * 86_400_000;
    const manager = createSessionManager({ secret: SECRET, store: new MemoryStore(), ttl });
    const session = await manager.load<{ user?: string }>(undefined);
    session.data.user = 'ann';
    const [setCookie] = await session.commit();
    const expires = /Expires=([^;]+)/.exec(setCookie ?? '')?.[1];
    expect(new Date(expires ?? '').getFullYear()).toBeGreaterThan(new Date().getFullYear() + 998);
  });

  it('accepts one secret or several, and exposes the resolved defaults', () => {
    const manager = createSessionManager({
      secret: [SECRET, SECRET.toUpperCase()],
      store: new MemoryStore(),
    });
    expect(manager.options).toMatchObject({
      name: 'fmsid',
      ttl: 86_400_000,
      touchAfter: 8_640_000,
      rolling: false,
      saveUninitialized: false,
      cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 86_400_000 },
    });
    expect(Object.isFrozen(manager.options)).toBe(true);
  });

  it('accepts sameSite in any case, as the cookie package does', () => {
    const manager = createSessionManager({
      secret: SECRET,
      cookie: { sameSite: 'Strict' as never },
      store: new MemoryStore(),
    });
    expect(manager.options.cookie?.sameSite).toBe('strict');
  });

  it('accepts a __Host- cookie with Secure, path / and no domain', () => {
    const manager = createSessionManager({
      secret: SECRET,
      name: '__Host-sid',
      cookie: { secure: true },
      store: new MemoryStore(),
    });
    expect(manager.options.name).toBe('__Host-sid');
  });
});
