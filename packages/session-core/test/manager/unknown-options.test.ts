import { describe, expect, it } from 'vitest';
import { commitNow, sessionGuard } from '../../src/adapter.js';
import {
  type CookieOptions,
  createSessionManager,
  MemoryStore,
  type SessionManagerOptions,
} from '../../src/index.js';
import { SECRET } from '../helpers.js';

// What a JavaScript caller can pass: no excess-property check stands in the way.
function create(options: Record<string, unknown>) {
  return createSessionManager(options as unknown as SessionManagerOptions);
}

function optionsError(options: Record<string, unknown>) {
  try {
    create({ store: new MemoryStore(), ...options });
  } catch (err) {
    return err as { name: string; code: string; message: string };
  }
  throw new Error('createSessionManager accepted the options');
}

describe('unknown option keys', () => {
  it("refuses koa-session's names, saying what to write instead", () => {
    const err = optionsError({
      secret: SECRET,
      key: 'koa.sess',
      maxAge: 60_000,
      httpOnly: false,
      secure: true,
      sameSite: 'strict',
      renew: true,
      signed: true,
    });
    expect(err.name).toBe('SessionError');
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toContain('key: use name');
    expect(err.message).toMatch(/maxAge: use cookie\.maxAge .*unless ttl is set/);
    expect(err.message).toContain('httpOnly: use cookie.httpOnly');
    expect(err.message).toContain('secure: use cookie.secure');
    expect(err.message).toContain('sameSite: use cookie.sameSite');
    expect(err.message).toMatch(/renew: use rolling or touchAfter/);
    expect(err.message).toMatch(/signed: not needed/);
  });

  it.each([
    ['express-session', { resave: false }, /resave: not needed/],
    ['express-session', { unset: 'destroy' }, /unset: not needed/],
    ['express-session', { proxy: true }, /proxy: not needed: .*'trust proxy'/],
    ['express-session', { cookie: { expires: new Date() } }, /cookie\.expires: use cookie\.maxAge/],
    ['a FastMmapStore option', { storage: '/tmp/x' }, /storage: .*new FastMmapStore/],
    ['@fastify/session', { cookieName: 'sid' }, /cookieName: use name/],
    ['@fastify/session', { idGenerator: () => 'x' }, /idGenerator: use genid/],
    ['hono-sessions', { cookieOptions: { secure: true } }, /cookieOptions: use cookie/],
    ['hono-sessions', { expireAfterSeconds: 900 }, /expireAfterSeconds: use ttl, in ms/],
  ])('refuses a name of %s with a hint: %o', (_, options, hint) => {
    const err = optionsError({ secret: SECRET, ...options });
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toMatch(hint);
  });

  it('names a peer secret before asking for one', () => {
    const err = optionsError({ encryptionKey: SECRET });
    expect(err.message).toMatch(/encryptionKey: use secret/);
  });

  it('names a key it has no hint for and lists the options', () => {
    const err = optionsError({ secret: SECRET, rollling: true, cookie: { sameSiet: 'strict' } });
    expect(err.message).toContain('rollling: not an option');
    expect(err.message).toContain('cookie.sameSiet: not a cookie option');
    expect(err.message).toContain('options are secret, name, cookie, ttl');
    expect(err.message).toContain('cookie options are path, domain, secure');
  });

  it('refuses a key even when its value is undefined', () => {
    expect(optionsError({ secret: SECRET, key: undefined }).message).toContain('key: use name');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'refuses %s (no hint from Object.prototype)',
    (key) => {
      const options = JSON.parse(`{"${key}": 1}`) as Record<string, unknown>;
      const err = optionsError({ secret: SECRET, ...options });
      expect(err.message).toMatch(new RegExp(`${key}: not an option`));
    },
  );

  it('refuses a cookie that is a function or a string', () => {
    expect(optionsError({ secret: SECRET, cookie: () => ({ secure: true }) }).message).toBe(
      'cookie must be an object of cookie options',
    );
    expect(optionsError({ secret: SECRET, cookie: 'secure' }).code).toBe('ERR_SESSION_OPTIONS');
  });

  it('accepts every option and every cookie option', () => {
    const cookie: Required<CookieOptions> = {
      path: '/',
      domain: 'example.com',
      secure: true,
      httpOnly: true,
      sameSite: 'strict',
      partitioned: false,
      priority: 'high',
      maxAge: 60_000,
    };
    const options: Required<SessionManagerOptions> = {
      secret: SECRET,
      name: 'sid',
      cookie,
      ttl: 60_000,
      absoluteTimeout: 3_600_000,
      rolling: true,
      touchAfter: 0,
      tombstoneTtl: 1000,
      saveUninitialized: true,
      genid: () => 'a'.repeat(32),
      store: new MemoryStore(),
      clock: Date.now,
    };
    expect(create(options).options.cookie).toMatchObject({ secure: true, sameSite: 'strict' });
  });

  it('accepts undefined for every option but secret, and a null cookie', () => {
    const cookie = { path: undefined, domain: undefined, secure: undefined, httpOnly: undefined };
    const manager = create({
      secret: SECRET,
      name: undefined,
      cookie: {
        ...cookie,
        sameSite: undefined,
        partitioned: undefined,
        priority: undefined,
        maxAge: undefined,
      },
      ttl: undefined,
      absoluteTimeout: undefined,
      rolling: undefined,
      touchAfter: undefined,
      tombstoneTtl: undefined,
      saveUninitialized: undefined,
      genid: undefined,
      store: new MemoryStore(),
      clock: undefined,
    });
    expect(manager.options).toMatchObject({ name: 'fmsid', cookie: { secure: 'auto' } });
    expect(create({ secret: SECRET, cookie: null, store: new MemoryStore() }).options.name).toBe(
      'fmsid',
    );
  });

  it('refuses a boolean option given as a string (say, from an env var)', () => {
    for (const [options, name] of [
      [{ cookie: { secure: 'true' } }, 'cookie.secure'],
      [{ cookie: { secure: 1 } }, 'cookie.secure'],
      [{ cookie: { httpOnly: 'false' } }, 'cookie.httpOnly'],
      [{ cookie: { partitioned: 'yes' } }, 'cookie.partitioned'],
      [{ rolling: 'false' }, 'rolling'],
      [{ saveUninitialized: 0 }, 'saveUninitialized'],
    ] as const) {
      const err = optionsError({ secret: SECRET, ...options });
      expect(err.code).toBe('ERR_SESSION_OPTIONS');
      expect(err.message.startsWith(`${name} must be true`)).toBe(true);
    }
    const manager = create({
      secret: SECRET,
      store: new MemoryStore(),
      cookie: { secure: 'auto' },
    });
    expect(manager.options.cookie?.secure).toBe('auto');
  });

  it.each([
    ['express-session, koa-session or @fastify/session', { get() {}, set() {}, destroy() {} }],
    ['hono-sessions', { getSessionById() {}, createSession() {}, persistSessionData() {} }],
    ["hono-sessions' CookieStore", { createSession() {}, persistSessionData() {} }],
  ])("points a store of %s to this library's stores", (_, store) => {
    const err = optionsError({ secret: SECRET, store });
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toMatch(/looks like the store of another session library/);
    expect(err.message).toMatch(/Leave store out for the default/);
    expect(err.message).toMatch(/KoaSessionStore/);
  });

  it('says a secret function (hono-sessions takes one) is not supported', () => {
    const err = optionsError({ secret: () => SECRET });
    expect(err.message).toMatch(/not a function/);
  });

  it("names koa-session's overwrite, encode and decode as not needed", () => {
    const err = optionsError({ secret: SECRET, overwrite: true, encode: String, decode: String });
    expect(err.message).toMatch(/overwrite: not needed/);
    expect(err.message).toMatch(/encode: not needed: the cookie carries only a signed id/);
  });
});

describe('the Session object', () => {
  it('refuses data put on it instead of on session.data (it would be lost)', async () => {
    const manager = create({ secret: SECRET, store: new MemoryStore() });
    const session = await manager.load(undefined, { secure: false });
    const refusal = {
      code: 'ERR_SESSION_UNSUPPORTED_DATA',
      message: expect.stringMatching(/session\.views cannot be set: .*session\.data\.views = /),
    };
    expect(() => {
      (session as unknown as Record<string, unknown>).views = 1;
    }).toThrow(expect.objectContaining(refusal));
    // Sloppy code (a CommonJS file without 'use strict') too: a Function body is sloppy.
    const sloppySet = new Function('session', 'session.views = 1;') as (s: unknown) => void;
    expect(() => sloppySet(session)).toThrow(expect.objectContaining(refusal));
    expect('views' in session).toBe(false);
    // Members still read and write as before.
    session.maxAge = 60_000;
    expect(session.maxAge).toBe(60_000);
    expect(session instanceof Object).toBe(true);
    (session.data as Record<string, unknown>).views = 1;
    expect(session.data).toEqual({ views: 1 });
  });

  it('refuses a session.data that is not a plain object (its keys would all be deleted)', async () => {
    const manager = create({ secret: SECRET, store: new MemoryStore() });
    const session = await manager.load(undefined, { secure: false });
    session.data = { cart: [1, 2] };
    for (const value of [
      new Map([['userId', 'u1']]),
      new Date(),
      new (class User {})(),
      [],
      null,
    ]) {
      expect(() => {
        session.data = value as unknown as Record<string, unknown>;
      }).toThrow(expect.objectContaining({ code: 'ERR_SESSION_UNSUPPORTED_DATA' }));
    }
    expect(session.data).toEqual({ cart: [1, 2] });
    session.data = Object.create(null) as Record<string, unknown>;
    expect(Object.keys(session.data)).toEqual([]);
  });

  it('sessionGuard refuses it in sloppy code too, naming where the data goes', async () => {
    const manager = create({ secret: SECRET, store: new MemoryStore() });
    const session = sessionGuard('req.s')(await manager.load(undefined, { secure: false }));
    // A Function body is sloppy-mode code, where a plain non-extensible object ignores writes.
    const sloppyWrite = new Function('s', 's.views = 1') as (s: unknown) => void;
    expect(() => sloppyWrite(session)).toThrow(
      expect.objectContaining({
        code: 'ERR_SESSION_UNSUPPORTED_DATA',
        message: expect.stringContaining('req.s.data.views = '),
      }),
    );
    // Methods, getters, data and commitNow work through it.
    (session.data as Record<string, unknown>).views = 1;
    session.data = { ...session.data, more: true };
    session.flash('info', 'hi');
    expect(session.data).toEqual({ views: 1, more: true });
    expect(await commitNow(session)).toHaveLength(1);
    expect(session.isNew).toBe(true);
    expect(session.commit).toBe(session.commit);
  });
});
