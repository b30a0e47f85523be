import { thrownBy } from '@fastmmap/adapter-test-suite';
import { type ExpressSessionOptions, session } from '@fastmmap/express';
import { createSessionManager, MemoryStore } from '@fastmmap/session-core';
import { describe, expect, it } from 'vitest';

const secret = 'express-options-test-secret-0123456789abcdefgh';

// What a JavaScript app can pass: no excess-property check stands in the way.
const fromJs = (options: Record<string, unknown>) => options as unknown as ExpressSessionOptions;

describe('session() options', () => {
  it("throws ERR_SESSION_OPTIONS for express-session's names, with the equivalent", () => {
    const err = thrownBy(() =>
      session(
        fromJs({
          secret,
          store: new MemoryStore(),
          resave: false,
          proxy: true,
          cookie: { secure: true, expires: new Date(Date.now() + 60_000) },
        }),
      ),
    );
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toMatch(/resave: not needed/);
    expect(err.message).toMatch(/proxy: not needed: .*'trust proxy'/);
    expect(err.message).toMatch(/cookie\.expires: use cookie\.maxAge/);
  });

  it('accepts known keys left undefined, and a shared manager', async () => {
    const middleware = session({ secret, store: new MemoryStore(), ttl: undefined, cookie: {} });
    expect(middleware.manager.options.ttl).toBe(86_400_000);
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
    expect(thrownBy(() => session(fromJs({ manager: {} }))).code).toBe('ERR_SESSION_OPTIONS');
    const own = session({ secret, store: new MemoryStore(), manager: undefined });
    expect(own.manager.options.secret).toBe(secret);
    await own.close();
    await manager.close();
  });

  it('reads options through a prototype or getters, as createSessionManager does', async () => {
    const inherited = Object.create({ cookie: { secure: true, sameSite: 'strict' } });
    inherited.secret = secret;
    inherited.store = new MemoryStore();
    const fromPrototype = session(inherited);
    expect(fromPrototype.manager.options.cookie).toMatchObject({
      secure: true,
      sameSite: 'strict',
    });
    class Settings {
      get secret() {
        return secret;
      }
      get store() {
        return store;
      }
    }
    const store = new MemoryStore();
    const fromGetters = session(fromJs(new Settings() as unknown as Record<string, unknown>));
    expect(fromGetters.manager.store).toBe(store);
    await fromPrototype.close();
    await fromGetters.close();
  });
});
