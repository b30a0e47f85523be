// The real @fastify/passport 4 (with its @fastify/flash) and passport-local on our plugin:
// they use request.session.get/set and regenerate(keys), @fastify/session's API.
import { Authenticator } from '@fastify/passport';
import { expectLoginRotatesId, type LoginGo } from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import { MemoryStore } from '@fastmmap/session-core';
import Fastify, { type FastifyInstance } from 'fastify';
import { Strategy as LocalStrategy } from 'passport-local';
import { afterEach, describe, expect, it } from 'vitest';

const secret = 'fastify-passport-test-secret-0123456789abcdef';
const users = [{ id: 'u1', username: 'ann', password: 'correct horse' }];
const ann = { username: 'ann', password: 'correct horse' };
type User = { id: string; username: string };

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function startApp() {
  const auth = new Authenticator();
  auth.use(
    'local',
    new LocalStrategy((username, password, done) => {
      const user = users.find((u) => u.username === username && u.password === password);
      if (!user) return done(null, false, { message: 'Wrong name or password' });
      done(null, { id: user.id, username: user.username });
    }),
  );
  auth.registerUserSerializer(async (user: User) => user.id);
  auth.registerUserDeserializer(async (id: string) => {
    const user = users.find((u) => u.id === id);
    return user ? { id: user.id, username: user.username } : null;
  });

  const app = Fastify();
  apps.push(app);
  await app.register(fastifySession, { secret, store: new MemoryStore() });
  await app.register(auth.initialize());
  await app.register(auth.secureSession());
  app.get('/me', (request, reply) => ({
    user: (request.user as User | undefined)?.username ?? null,
    id: request.session.id,
    data: request.session.data,
    errors: reply.flash('error'),
  }));
  app.post('/visit', (request) => {
    (request.session.data as Record<string, unknown>).returnTo = '/cart';
    return { id: request.session.id };
  });
  app.post(
    '/login',
    {
      preValidation: auth.authenticate('local', {
        successRedirect: '/me',
        failureRedirect: '/me',
        failureFlash: 'Wrong name or password',
      }),
    },
    () => ({}),
  );
  app.post('/logout', async (request, reply) => {
    await request.logout();
    return reply.redirect('/me', 303);
  });

  const go: LoginGo = async (method, url, cookie, body) => {
    const res = await app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: cookie ? { cookie } : {},
      body,
    });
    const set = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('fmsid='));
    return {
      status: res.statusCode,
      location: res.headers.location ?? null,
      cookie: set?.split(';', 1)[0],
      body: String(res.headers['content-type']).includes('json') ? res.json() : res.body,
    };
  };
  const me = async (cookie: string) => (await go('GET', '/me', cookie)).body;
  return { go, me };
}

describe('@fastify/passport + passport-local on @fastmmap/fastify', () => {
  it('logs in on a new session id; request.user is set on later requests', async () => {
    const { go } = await startApp();
    const { after } = await expectLoginRotatesId(go, ann);
    // @fastify/passport regenerates keeping only its own fields: the anonymous data goes
    // (`flash` is @fastify/flash's, emptied by reply.flash() in /me).
    expect(after.data).toEqual({ passport: 'u1', flash: {} });
  });

  it('a wrong password flashes failureFlash (@fastify/flash) and logs nobody in', async () => {
    const { go, me } = await startApp();
    const failed = await go('POST', '/login', undefined, { ...ann, password: 'nope' });
    expect(failed.status).toBe(302);
    const after = await me(failed.cookie!);
    expect(after.user).toBeNull();
    expect(after.errors).toEqual(['Wrong name or password']);
    // reply.flash() removed it.
    expect((await me(failed.cookie!)).errors).toEqual([]);
  });

  it('logout ends the login: the logged-in id is dead', async () => {
    const { go, me } = await startApp();
    const login = await go('POST', '/login', undefined, ann);
    const loggedIn = login.cookie!;
    expect((await me(loggedIn)).user).toBe('ann');
    await go('POST', '/visit', loggedIn); // data of the logged-in user
    const logout = await go('POST', '/logout', loggedIn);
    expect(logout.status).toBe(303);
    expect(logout.cookie).toMatch(/^fmsid=./);
    expect(logout.cookie).not.toBe(loggedIn);
    // The session after logout keeps nothing of the user's (a shared computer).
    const after = await me(logout.cookie!);
    expect(after.user).toBeNull();
    expect(after.data).toEqual({ flash: {} });
    const replay = await me(loggedIn);
    expect(replay.user).toBeNull();
    expect(replay.data).toEqual({ flash: {} });
  });
});
