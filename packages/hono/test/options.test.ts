import { thrownBy } from '@fastmmap/adapter-test-suite';
import { createSessionManager, MemoryStore } from '@fastmmap/session-core';
import { describe, expect, it } from 'vitest';
import { type HonoSessionOptions, session } from '../src/index.js';

const secret = 'a-secret-of-at-least-32-characters!!';

// What a JavaScript app can pass: no excess-property check stands in the way.
const fromJs = (options: Record<string, unknown>) => options as unknown as HonoSessionOptions;

describe('session() options', () => {
  it("throws ERR_SESSION_OPTIONS for hono-sessions' names, with the equivalent", () => {
    const err = thrownBy(() =>
      session(
        fromJs({
          encryptionKey: secret,
          expireAfterSeconds: 900,
          cookieOptions: { sameSite: 'Strict', secure: true },
        }),
      ),
    );
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toMatch(/encryptionKey: use secret/);
    expect(err.message).toMatch(/expireAfterSeconds: use ttl, in ms/);
    expect(err.message).toMatch(/cookieOptions: use cookie/);
  });

  it("a misspelled option's message lists the adapter's own options too", () => {
    const err = thrownBy(() => session(fromJs({ secret, trustproxy: true })));
    expect(err.code).toBe('ERR_SESSION_OPTIONS');
    expect(err.message).toMatch(/trustproxy: not an option/);
    expect(err.message).toMatch(/options are secret, .*clock, manager, trustProxy;/);
  });

  it('refuses a trustProxy that is not a boolean (a string from an env var)', () => {
    for (const trustProxy of ['true', 1, null]) {
      const err = thrownBy(() => session(fromJs({ secret, store: new MemoryStore(), trustProxy })));
      expect(err.code).toBe('ERR_SESSION_OPTIONS');
      expect(err.message).toMatch(/trustProxy must be true or false/);
    }
  });

  it('accepts trustProxy, known keys left undefined, and a shared manager', async () => {
    const middleware = session({
      secret,
      store: new MemoryStore(),
      trustProxy: true,
      ttl: undefined,
      manager: undefined,
    });
    expect(middleware.manager.options.ttl).toBe(86_400_000);
    await middleware.close();
    const manager = createSessionManager({ secret, store: new MemoryStore() });
    expect(session({ manager, trustProxy: true }).manager).toBe(manager);
    await manager.close();
  });
});
