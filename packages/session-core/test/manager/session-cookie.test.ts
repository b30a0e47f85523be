// session.cookie: express-session's and @fastify/session's cookie object over session.maxAge.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SessionError, type SessionManagerOptions } from '../../src/index.js';
import { cookieAttributes, cookiePair, managerSetup } from '../helpers.js';

const DAY = 86_400_000;

function setup(options: Partial<SessionManagerOptions> = {}) {
  return managerSetup('sync', options);
}

describe('session.cookie', () => {
  it('maxAge = ms is "remember me": the cookie and the next requests get that lifetime', async () => {
    const { manager, clock } = setup();
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.user = 'ann';
    session.cookie.maxAge = 30 * DAY;
    expect(session.maxAge).toBe(30 * DAY);
    const [header] = await session.commit();
    expect(cookieAttributes(header!).get('max-age')).toBe(String(30 * 86_400));
    clock.advance(10 * DAY); // past the default one-day ttl
    const again = await manager.load(cookiePair(header));
    expect(again.isNew).toBe(false);
    expect(again.cookie.maxAge).toBe(30 * DAY);
    expect(again.cookie.originalMaxAge).toBe(30 * DAY);
    expect(again.cookie.expires?.getTime()).toBe(clock() + 30 * DAY);
  });

  it('expires = false or null makes a browser-session cookie; a Date sets the time until it', async () => {
    const { manager, clock } = setup();
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.user = 'ann';
    session.cookie.expires = false;
    expect(session.maxAge).toBeNull();
    expect(session.cookie.expires).toBeNull();
    expect(session.cookie.maxAge).toBeNull();
    session.cookie.expires = new Date(clock() + 7 * DAY);
    expect(session.maxAge).toBe(7 * DAY);
    session.cookie.expires = null;
    const [header] = await session.commit();
    const attributes = cookieAttributes(header!);
    expect(attributes.has('max-age')).toBe(false);
    expect(attributes.has('expires')).toBe(false);
  });

  it('originalMaxAge sets the lifetime too; reads follow session.maxAge', async () => {
    const { manager } = setup({ cookie: { maxAge: 2 * DAY } });
    const session = await manager.load(undefined);
    expect(session.cookie.maxAge).toBe(2 * DAY);
    session.cookie.originalMaxAge = 5 * DAY;
    expect(session.cookie.maxAge).toBe(5 * DAY);
    session.maxAge = undefined;
    expect(session.cookie.originalMaxAge).toBe(2 * DAY);
  });

  it('reads the configured attributes, with secure resolved for the request', async () => {
    const options = {
      cookie: { path: '/app', domain: 'example.com', sameSite: 'strict' },
    } as const;
    const { manager } = setup(options);
    const plain = await manager.load(undefined);
    const https = await manager.load(undefined, { secure: true });
    expect(plain.cookie).toMatchObject({
      path: '/app',
      domain: 'example.com',
      httpOnly: true,
      sameSite: 'strict',
      partitioned: false,
      secure: false,
    });
    expect(https.cookie.secure).toBe(true);
    const none = await setup({ cookie: { sameSite: 'none' } }).manager.load(undefined);
    expect(none.cookie.secure).toBe(true); // SameSite=None always goes out with Secure
    const chips = await setup({ cookie: { partitioned: true } }).manager.load(undefined);
    expect(chips.cookie.secure).toBe(true); // so does Partitioned
    expect(plain.cookie.priority).toBe(undefined);
    const high = await setup({ cookie: { priority: 'high' } }).manager.load(undefined);
    expect(high.cookie.priority).toBe('high');
    expect(JSON.parse(JSON.stringify(high.cookie)).priority).toBe('high');
  });

  it('bad lifetimes and per-session attributes are typed errors that change nothing', async () => {
    const { manager, clock } = setup();
    const session = await manager.load(undefined);
    session.cookie.maxAge = 3 * DAY;
    const attempts: Array<[string, () => void]> = [
      ['maxAge 0', () => Object.assign(session.cookie, { maxAge: 0 })],
      ['maxAge NaN', () => Object.assign(session.cookie, { maxAge: Number.NaN })],
      ['expires past', () => Object.assign(session.cookie, { expires: new Date(clock() - 1) })],
      ['expires string', () => Object.assign(session.cookie, { expires: '2030-01-01' })],
      ['expires invalid', () => Object.assign(session.cookie, { expires: new Date(Number.NaN) })],
      ['secure', () => Object.assign(session.cookie, { secure: false })],
      ['path', () => Object.assign(session.cookie, { path: '/' })],
      ['sameSite', () => Object.assign(session.cookie, { sameSite: 'none' })],
      ['priority', () => Object.assign(session.cookie, { priority: 'low' })],
    ];
    for (const [what, attempt] of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (err) {
        error = err;
      }
      expect(error, what).toBeInstanceOf(SessionError);
      expect((error as SessionError).code, what).toBe('ERR_SESSION_OPTIONS');
    }
    expect(session.maxAge).toBe(3 * DAY);
    expect(session.cookie.path).toBe('/');
    expect(() => Object.assign(session.cookie, { signed: true })).toThrow(TypeError);
  });

  it('is the same object for the session, and shows as data in JSON and logs', async () => {
    const { manager, clock } = setup();
    const session = await manager.load(undefined);
    expect(session.cookie).toBe(session.cookie);
    const json = JSON.parse(JSON.stringify(session.cookie));
    expect(json).toEqual({
      originalMaxAge: DAY,
      expires: new Date(clock() + DAY).toISOString(),
      secure: false,
      httpOnly: true,
      path: '/',
      sameSite: 'lax',
      partitioned: false,
    });
    expect(inspect(session.cookie)).toContain("sameSite: 'lax'");
  });

  it('on a destroyed session, setting the lifetime is ERR_SESSION_DESTROYED', async () => {
    const { manager } = setup();
    const session = await manager.load(undefined);
    await session.destroy();
    expect(() => {
      session.cookie.maxAge = DAY;
    }).toThrow(expect.objectContaining({ code: 'ERR_SESSION_DESTROYED' }));
  });
});
