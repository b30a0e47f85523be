// `request.session = null` logs out, as `req.session = null` in Express and `ctx.session = null`
// in Koa: before, the reply skipped the commit and the user stayed logged in.

import { FlakyStore } from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import { MemoryStore } from '@fastmmap/session-core';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const secret = 'fastify-assign-test-secret-0123456789abcdef';
type Data = Record<string, unknown>;

const clearing = /^fmsid=; Max-Age=0/;
const apps: FastifyInstance[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

type Logout = (request: FastifyRequest) => void | Promise<void>;

/** POST /login stores a user, GET /me shows the data, POST /logout runs `onLogout`. */
async function startApp(
  onLogout: Logout,
  store = new MemoryStore(),
  setup?: (app: FastifyInstance) => void,
) {
  const app = Fastify();
  apps.push(app);
  const errors: unknown[] = [];
  await app.register(fastifySession, { secret, store });
  setup?.(app);
  app.setErrorHandler((err, _request, reply) => {
    errors.push(err);
    reply.code(500).send({ error: (err as { code?: string }).code ?? 'unknown' });
  });
  app.post('/login', (request) => {
    (request.session.data as Data).user = 'ann';
    return { ok: true };
  });
  app.get('/me', (request) => ({ data: request.session.data, isNew: request.session.isNew }));
  app.post('/logout', async (request) => {
    await onLogout(request);
    return { data: request.session.data };
  });
  const login = await app.inject({ method: 'POST', url: '/login' });
  const cookie = [login.headers['set-cookie']].flat()[0]!.split(';', 1)[0]!;
  const me = async () => (await app.inject({ url: '/me', headers: { cookie } })).json();
  const logout = () => app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
  return { app, errors, me, logout };
}

const setCookies = (res: { headers: Record<string, unknown> }) =>
  [res.headers['set-cookie'] ?? []].flat() as string[];

describe('request.session = null', () => {
  it('destroys the session and clears the cookie; the old id stays dead', async () => {
    const same: boolean[] = [];
    const app = await startApp((request) => {
      const before = request.session;
      request.session = null;
      same.push(request.session === before);
    });
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    const res = await app.logout();
    expect(res.statusCode).toBe(200);
    expect(setCookies(res)).toEqual([expect.stringMatching(clearing)]);
    expect(same).toEqual([true]);
    expect(await app.me()).toEqual({ data: {}, isNew: true });
    expect(app.errors).toEqual([]);
  });

  it('undefined destroys too; reads afterwards see the destroyed session', async () => {
    const after: unknown[] = [];
    const app = await startApp(async (request) => {
      request.session = undefined;
      await request.session.save();
      after.push({ destroyed: request.session.destroyed, data: request.session.data });
    });
    const res = await app.logout();
    expect(setCookies(res)).toEqual([expect.stringMatching(clearing)]);
    expect(after).toEqual([{ destroyed: true, data: {} }]);
    expect(await app.me()).toEqual({ data: {}, isNew: true });
  });

  it.each([
    ['an object', { user: 'bob' }],
    ['a string', 'bob'],
  ])('refuses %s with a typed error that says what to do', async (_kind, value) => {
    const thrown: unknown[] = [];
    const app = await startApp((request) => {
      try {
        (request as { session: unknown }).session = value;
      } catch (err) {
        thrown.push(err);
      }
    });
    expect((await app.logout()).statusCode).toBe(200);
    expect(thrown).toEqual([
      expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_UNSUPPORTED_DATA' }),
    ]);
    expect((thrown[0] as Error).message).toMatch(/null/);
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it('request.session = request.session changes nothing', async () => {
    const app = await startApp((request) => {
      const current = request.session;
      // @ts-expect-error the setter takes only null or undefined (at run time this is a no-op)
      request.session = current;
    });
    const res = await app.logout();
    expect(res.statusCode).toBe(200);
    expect(setCookies(res)).toEqual([]);
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it('a failed destroy fails the reply, writes nothing else, and is never unhandled', async () => {
    const store = new FlakyStore();
    const app = await startApp(async (request) => {
      request.session = null;
      (request.session.data as Data).after = true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }, store);
    store.failStore = true;
    const res = await app.logout();
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'unknown' });
    expect(setCookies(res)).toEqual([]);
    expect(app.errors).toEqual([
      expect.objectContaining({ cause: expect.objectContaining({ message: 'backend down' }) }),
    ]);
    store.failStore = false;
    expect(await app.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    expect(unhandled).toEqual([]);
  });

  it('works in a context registered before the plugin (Fastify gave it fewer decorators)', async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(async (child) => {
      await child.register(async (older) => {
        older.post('/older/login', (request) => {
          (request.session.data as Data).user = 'ann';
          return request.session.data;
        });
        older.post('/older/logout', (request) => {
          request.session = null;
          return { ok: true };
        });
      });
      await child.register(fastifySession, { secret, store: new MemoryStore() });
      child.get('/me', (request) => request.session.data);
    });
    const login = await app.inject({ method: 'POST', url: '/older/login' });
    expect(login.json()).toEqual({ user: 'ann' });
    const cookie = setCookies(login)[0]!.split(';', 1)[0]!;
    expect((await app.inject({ url: '/me', headers: { cookie } })).json()).toEqual({ user: 'ann' });
    const out = await app.inject({ method: 'POST', url: '/older/logout', headers: { cookie } });
    expect(setCookies(out)).toEqual([expect.stringMatching(clearing)]);
    expect((await app.inject({ url: '/me', headers: { cookie } })).json()).toEqual({});
  });

  it('assigned in onResponse: still destroyed; a failure is logged, not unhandled', async () => {
    /** An app whose onResponse hook assigns null on /logout, after the reply went out. */
    const nullInOnResponse = (store: FlakyStore) =>
      startApp(
        () => {},
        store,
        (instance) =>
          instance.addHook('onResponse', async (request) => {
            if (request.url === '/logout') request.session = null;
          }),
      );
    const app = await nullInOnResponse(new FlakyStore());
    expect((await app.logout()).statusCode).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await app.me()).toEqual({ data: {}, isNew: true });

    const failing = new FlakyStore();
    const again = await nullInOnResponse(failing);
    failing.failStore = true;
    expect((await again.logout()).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    failing.failStore = false;
    expect(await again.me()).toEqual({ data: { user: 'ann' }, isNew: false });
    expect(unhandled).toEqual([]);
  });
});
