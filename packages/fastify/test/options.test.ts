import { type FastifySessionOptions, fastifySession } from '@fastmmap/fastify';
import { createSessionManager, MemoryStore } from '@fastmmap/session-core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

const secret = 'a-secret-of-at-least-32-characters!!';

// What a JavaScript app can pass: no excess-property check stands in the way.
const fromJs = (options: Record<string, unknown>) => options as unknown as FastifySessionOptions;

async function ready(options: FastifySessionOptions | (() => FastifySessionOptions)) {
  const app = Fastify();
  app.register(fastifySession, options);
  try {
    await app.ready();
    return app.sessionManager;
  } finally {
    await app.close();
  }
}

describe('plugin options', () => {
  it("fails at start-up with ERR_SESSION_OPTIONS for @fastify/session's names", async () => {
    const options = fromJs({ secret, store: new MemoryStore(), cookieName: 'sid' });
    await expect(ready(options)).rejects.toMatchObject({
      code: 'ERR_SESSION_OPTIONS',
      message: expect.stringMatching(/cookieName: use name/),
    });
  });

  it("accepts Fastify's own register options next to the manager's", async () => {
    const options = {
      secret,
      store: new MemoryStore(),
      name: 'sid',
      prefix: '/api',
      logLevel: 'warn',
      logSerializers: { req: () => 'req' },
    } as const;
    expect((await ready(options)).options.name).toBe('sid');
    // The same from a function of the parent instance, which Fastify calls first.
    expect((await ready(() => options)).options.name).toBe('sid');
  });

  it('accepts known keys left undefined, and a shared manager', async () => {
    const options = { secret, store: new MemoryStore(), ttl: undefined, manager: undefined };
    expect((await ready(options)).options.ttl).toBe(86_400_000);
    const manager = createSessionManager({ secret, store: new MemoryStore() });
    expect(await ready({ manager })).toBe(manager);
    await manager.close();
  });
});
