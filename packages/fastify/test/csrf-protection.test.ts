// The real @fastify/csrf-protection 8 with sessionPlugin '@fastify/session' on our plugin: it
// keeps its secret in request.session._csrf. Two apps over one store stand for two workers.

import csrf from '@fastify/csrf-protection';
import { csrfPost, sessionCookiePair, wrongToken } from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import { MemoryStore } from '@fastmmap/session-core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const secret = 'fastify-csrf-protection-test-secret-0123456789abcdef';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function startWorker(store: MemoryStore): Promise<string> {
  const app = Fastify();
  apps.push(app);
  await app.register(fastifySession, { secret, store });
  await app.register(csrf, { sessionPlugin: '@fastify/session' });
  app.get('/anon', () => 'hi');
  app.get('/csrf-token', (_request, reply) => ({ token: reply.generateCsrf() }));
  app.post('/transfer', { onRequest: app.csrfProtection }, (request) => ({
    ok: true,
    user: (request.session.data as { user?: string }).user ?? null,
  }));
  // @fastify/session's regenerate() empties the session: the login hands out a new token.
  app.post('/login', { onRequest: app.csrfProtection }, async (request, reply) => {
    await request.session.regenerate();
    (request.session.data as Record<string, unknown>).user = 'ann';
    return { token: reply.generateCsrf() };
  });
  app.post('/logout', { onRequest: app.csrfProtection }, async (request) => {
    await request.session.destroy();
    return {};
  });
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('@fastify/csrf-protection with the plugin, token issued by one worker and checked by another', () => {
  it('accepts the stored secret, refuses a missing or wrong token, and a new one after login and logout', async () => {
    const store = new MemoryStore();
    const [one, two] = [await startWorker(store), await startWorker(store)];
    const code = async (res: Promise<Response>) =>
      ((await (await res).json()) as { code?: string }).code;

    expect((await fetch(`${one}/anon`)).headers.getSetCookie()).toEqual([]);

    const issued = await fetch(`${one}/csrf-token`);
    const cookie = sessionCookiePair(issued);
    const { token } = (await issued.json()) as { token: string };
    expect(await (await csrfPost(two, '/transfer', cookie, token)).json()).toEqual({
      ok: true,
      user: null,
    });
    // A token made later, by the other worker, from the same stored secret.
    const again = (await (await fetch(`${two}/csrf-token`, { headers: { cookie } })).json()) as {
      token: string;
    };
    expect((await csrfPost(one, '/transfer', cookie, again.token)).status).toBe(200);
    expect(await code(csrfPost(two, '/transfer', cookie))).toBe('FST_CSRF_INVALID_TOKEN');
    expect(await code(csrfPost(two, '/transfer', cookie, wrongToken(token)))).toBe(
      'FST_CSRF_INVALID_TOKEN',
    );

    const login = await csrfPost(two, '/login', cookie, token);
    const loggedIn = sessionCookiePair(login);
    const fresh = ((await login.json()) as { token: string }).token;
    expect(await code(csrfPost(one, '/transfer', loggedIn, token))).toBe('FST_CSRF_INVALID_TOKEN');
    expect(await (await csrfPost(one, '/transfer', loggedIn, fresh)).json()).toEqual({
      ok: true,
      user: 'ann',
    });

    expect((await csrfPost(one, '/logout', loggedIn, fresh)).status).toBe(200);
    expect(await code(csrfPost(two, '/transfer', loggedIn, fresh))).toBe('FST_CSRF_MISSING_SECRET');
  });
});
