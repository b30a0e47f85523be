import { thrownBy } from '@fastmmap/adapter-test-suite';
import { type KoaSessionOptions, session } from '@fastmmap/koa';
import { createSessionManager, MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';

const secret = 'koa-options-test-secret-0123456789abcdefghijkl';

// koa-session's call, as a JavaScript app moving over would leave it: its option names, and
// the app as a second argument (which this session() does not take).
const koaSessionStyle = session as unknown as (options: unknown, app: Koa) => unknown;

describe('session() options', () => {
  it("throws ERR_SESSION_OPTIONS for koa-session's names, with the equivalent", () => {
    const options = {
      secret,
      key: 'koa.sess',
      maxAge: 60_000,
      httpOnly: false,
      secure: true,
      sameSite: 'strict',
      renew: true,
      signed: true,
    };
    const err = thrownBy(() => koaSessionStyle(options, new Koa()));
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    for (const hint of [
      'key: use name',
      'maxAge: use cookie.maxAge',
      'httpOnly: use cookie.httpOnly',
      'secure: use cookie.secure',
      'sameSite: use cookie.sameSite',
      'renew: use rolling or touchAfter',
      'signed: not needed',
    ]) {
      expect(err.message).toContain(hint);
    }
  });

  it('accepts the same settings under their names here, and undefined values', async () => {
    const middleware = session({
      secret,
      name: 'koa.sess',
      ttl: 60_000,
      cookie: { httpOnly: false, secure: true, sameSite: 'strict', domain: undefined },
      rolling: undefined,
      store: new MemoryStore(),
    } satisfies KoaSessionOptions);
    expect(middleware.manager.options).toMatchObject({
      name: 'koa.sess',
      cookie: { httpOnly: false, secure: true, sameSite: 'strict', maxAge: 60_000 },
    });
    await middleware.close();
    const manager = createSessionManager({ secret, store: new MemoryStore() });
    expect(session({ manager }).manager).toBe(manager);
    await manager.close();
  });

  it('refuses manager options next to a shared manager, and takes manager: undefined as none', async () => {
    const manager = createSessionManager({ secret, store: new MemoryStore() });
    // @ts-expect-error the type refuses them too: the manager's own options apply
    const err = thrownBy(() => session({ manager, secret, ttl: 1000 }));
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toMatch(/secret, ttl would be ignored/);
    const own = session({ secret, store: new MemoryStore(), manager: undefined });
    expect(own.manager.options.secret).toBe(secret);
    await own.close();
    await manager.close();
  });

  it("refuses koa-session's session(app) form with the call to write instead", () => {
    const err = thrownBy(() => (session as unknown as (app: Koa) => unknown)(new Koa()));
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toBe(
      'session() takes options, not the Koa app: write app.use(session({ secret }))',
    );
  });
});
