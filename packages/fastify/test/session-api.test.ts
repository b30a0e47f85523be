// request.session speaks @fastify/session's API too: get/set, sessionId, callbacks,
// regenerate(keys), save, options({ maxAge }).

import { type FastifySession, fastifySession } from '@fastmmap/fastify';
import { MemoryStore, SessionError } from '@fastmmap/session-core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const secret = 'a-secret-of-at-least-32-characters!!';
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

type Route = (request: FastifyRequest, reply: FastifyReply) => unknown;
/** request.session with untyped data (the tests declare no SessionData keys). */
const loose = (request: FastifyRequest) =>
  request.session as unknown as FastifySession<Record<string, unknown>>;

/** An app with `route` at POST /route and GET /me (the stored data, from a new request). */
async function serve(route: Route) {
  const app = Fastify();
  apps.push(app);
  await app.register(fastifySession, { secret, store: new MemoryStore() });
  app.post('/route', route);
  app.post('/seed', (request) => {
    Object.assign(request.session.data as Record<string, unknown>, { user: 'ann', cart: [1] });
    return { id: request.session.id };
  });
  app.get('/me', (request) => ({ id: request.session.id, data: request.session.data }));
  let jar = '';
  const go = async (method: 'GET' | 'POST', url: string) => {
    const res = await app.inject({ method, url, headers: jar ? { cookie: jar } : {} });
    const set = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('fmsid='));
    if (set) jar = set.split(';', 1)[0]!;
    return { status: res.statusCode, body: res.json(), setCookie: set };
  };
  return { go };
}

/** Runs `body`, then checks that no rejection went unhandled during it or just after. */
async function withoutUnhandledRejections(body: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

/** A callback-style method as a Promise that fails if the callback never comes. */
function viaCallback(start: (done: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('callback never called')), 2_000);
    start((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}

describe("request.session, @fastify/session's API", () => {
  it('get, set and sessionId work on data and id', async () => {
    const { go } = await serve((request) => {
      loose(request).set('user', 'bob');
      return { user: loose(request).get('user'), sessionId: request.session.sessionId };
    });
    const res = await go('POST', '/route');
    const me = await go('GET', '/me');
    expect(res.body).toEqual({ user: 'bob', sessionId: me.body.id });
    expect(me.body.data).toEqual({ user: 'bob' });
  });

  it('regenerate(callback) calls back with a new id and empty data, as @fastify/session', async () => {
    const { go } = await serve(async (request) => {
      await viaCallback((done) => request.session.regenerate(done));
      return { id: request.session.id, data: request.session.data };
    });
    const seeded = await go('POST', '/seed');
    const res = await go('POST', '/route');
    expect(res.body.id).not.toBe(seeded.body.id);
    expect(res.body.data).toEqual({});
  });

  it('regenerate(keys) and regenerate(keys, callback) keep only the listed keys', async () => {
    const { go } = await serve(async (request) => {
      if ((request.query as { cb?: string }).cb) {
        await viaCallback((done) => request.session.regenerate(['cart'], done));
      } else {
        await request.session.regenerate(['user', 'missing']);
      }
      return { data: request.session.data };
    });
    await go('POST', '/seed');
    expect((await go('POST', '/route')).body.data).toEqual({ user: 'ann' });
    await go('POST', '/seed');
    expect((await go('POST', '/route?cb=1')).body.data).toEqual({ cart: [1] });
    expect((await go('GET', '/me')).body.data).toEqual({ cart: [1] });
  });

  it('await regenerate() empties the data, as @fastify/session (a logout leaves nothing)', async () => {
    const { go } = await serve(async (request) => {
      const all = (request.query as { all?: string }).all;
      await request.session.regenerate(all ? Object.keys(request.session.data) : undefined);
      return { data: request.session.data };
    });
    await go('POST', '/seed');
    expect((await go('POST', '/route')).body.data).toEqual({});
    expect((await go('GET', '/me')).body.data).toEqual({});
    await go('POST', '/seed');
    expect((await go('POST', '/route?all=1')).body.data).toEqual({ user: 'ann', cart: [1] });
  });

  it('get reads own keys only; set refuses __proto__', async () => {
    const { go } = await serve((request) => {
      const inherited = loose(request).get('toString');
      loose(request).set('__proto__', { isAdmin: true });
      return { inherited };
    });
    const res = await go('POST', '/route');
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('ERR_SESSION_UNSUPPORTED_DATA');
    const { go: go2 } = await serve((request) => ({
      inherited: loose(request).get('toString') ?? null,
    }));
    expect((await go2('POST', '/route')).body).toEqual({ inherited: null });
  });

  it('destroy(callback) calls back, and the reply clears the cookie', async () => {
    const { go } = await serve(async (request) => {
      await viaCallback((done) => request.session.destroy(done));
      return { destroyed: request.session.destroyed };
    });
    const seeded = await go('POST', '/seed');
    const res = await go('POST', '/route');
    expect(res.body).toEqual({ destroyed: true });
    expect(res.setCookie).toMatch(/^fmsid=; Max-Age=0/);
    expect((await go('GET', '/me')).body.id).not.toBe(seeded.body.id);
  });

  it('save() and save(callback) write before the reply', async () => {
    let stored: unknown;
    const { go } = await serve(async (request) => {
      loose(request).set('step', 1);
      await request.session.save();
      loose(request).set('step', 2);
      await viaCallback((done) => request.session.save(done));
      stored = request.session.data;
      return { ok: true };
    });
    await go('POST', '/route');
    expect(stored).toEqual({ step: 2 });
    expect((await go('GET', '/me')).body.data).toEqual({ step: 2 });
  });

  it('options({ maxAge }) is the session lifetime; other cookie options are refused', async () => {
    const { go } = await serve((request) => {
      loose(request).set('user', 'ann');
      const { option } = request.query as { option?: string };
      request.session.options(
        option === 'path' ? ({ path: '/x' } as object) : { maxAge: 7 * 86_400_000 },
      );
      return { maxAge: request.session.maxAge };
    });
    const res = await go('POST', '/route');
    expect(res.body).toEqual({ maxAge: 7 * 86_400_000 });
    expect(res.setCookie).toContain('; Max-Age=604800;');
    const refused = await go('POST', '/route?option=path');
    expect(refused.status).toBe(500);
    expect(refused.body.code).toBe('ERR_SESSION_OPTIONS');
  });

  it('a callback gets a failing store error; without one the Promise rejects', async () => {
    const app = Fastify();
    apps.push(app);
    // Down once the session is seeded: destroy() writes its tombstone with getAndSet().
    let down = false;
    class FailingStore extends MemoryStore {
      override getAndSet(...args: Parameters<MemoryStore['getAndSet']>) {
        if (!down) return super.getAndSet(...args);
        return Promise.reject(new SessionError('ERR_SESSION_STORE_UNAVAILABLE', 'down'));
      }
    }
    await app.register(fastifySession, { secret, store: new FailingStore() });
    const seen: unknown[] = [];
    app.post('/seed', (request) => {
      loose(request).set('user', 'ann');
      return 'ok';
    });
    app.post('/destroy', async (request) => {
      await new Promise<void>((resolve) =>
        request.session.destroy((err) => {
          seen.push(err);
          resolve();
        }),
      );
      await request.session.destroy().catch((err: unknown) => seen.push(err));
      return 'ok';
    });
    const seed = await app.inject({ method: 'POST', url: '/seed' });
    const cookie = String(seed.headers['set-cookie']).split(';', 1)[0]!;
    down = true;
    await app.inject({ method: 'POST', url: '/destroy', headers: { cookie } });
    expect(seen).toHaveLength(2);
    for (const err of seen) expect(err).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
  });

  it('save(), regenerate() and destroy() left unawaited on a failing store do not end the process', async () => {
    // @fastify/session-era code fires save() and forgets it; a store error must not become an
    // unhandled rejection (Node ends the process on one), as on the other adapters.
    let down = false;
    const refuse = () => Promise.reject(new SessionError('ERR_SESSION_STORE_UNAVAILABLE', 'down'));
    class FailingStore extends MemoryStore {
      override getAndSet(...args: Parameters<MemoryStore['getAndSet']>) {
        return down ? refuse() : super.getAndSet(...args);
      }
      override store(...args: Parameters<MemoryStore['store']>) {
        return down ? refuse() : super.store(...args);
      }
    }
    const app = Fastify();
    apps.push(app);
    await app.register(fastifySession, { secret, store: new FailingStore() });
    await withoutUnhandledRejections(async () => {
      app.post('/seed', (request) => {
        loose(request).set('user', 'ann');
        return 'ok';
      });
      for (const method of ['save', 'regenerate', 'destroy'] as const) {
        app.post(`/${method}`, async (request) => {
          loose(request).set('cart', [1]);
          void request.session[method]();
          return { ok: true };
        });
      }
      const seed = await app.inject({ method: 'POST', url: '/seed' });
      const cookie = String(seed.headers['set-cookie']).split(';', 1)[0]!;
      down = true;
      for (const method of ['save', 'regenerate', 'destroy']) {
        const res = await app.inject({ method: 'POST', url: `/${method}`, headers: { cookie } });
        // The reply reports the failure, as the other adapters' do: no 200 for a lost write.
        expect(res.json()).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
      }
    });
  });

  it('a hook that replies without `return reply` while a commit is in flight: its reply and cookie win', async () => {
    // With an asynchronous store the commit waits in onSend, so Fastify runs the handler too,
    // which answers a second time (@fastify/session then crashes with ERR_HTTP_HEADERS_SENT).
    class AsyncStore extends MemoryStore {
      override async getAndSet(...args: Parameters<MemoryStore['getAndSet']>) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return super.getAndSet(...args);
      }
    }
    const warnings: string[] = [];
    const app = Fastify({
      logger: {
        level: 'warn',
        stream: { write: (line: string) => void warnings.push(JSON.parse(line).msg) },
      },
    });
    apps.push(app);
    await app.register(fastifySession, { secret, store: new AsyncStore() });
    await withoutUnhandledRejections(async () => {
      const preValidation = async (request: FastifyRequest, reply: FastifyReply) => {
        loose(request).set('user', 'ann');
        reply.redirect('/me'); // @fastify/passport's successRedirect does this
      };
      // The handler the README recommends sends nothing: the redirect goes out, with the cookie.
      app.post('/login', { preValidation }, () => {});
      // A handler that answers too: the hook's reply still goes out, with the cookie.
      app.post('/login-answering', { preValidation }, () => ({ handler: true }));
      app.get('/me', (request) => request.session.data);
      const quiet = await app.inject({ method: 'POST', url: '/login' });
      expect(quiet.statusCode).toBe(302);
      expect(String(quiet.headers['set-cookie'])).toMatch(/^fmsid=./);
      const res = await app.inject({ method: 'POST', url: '/login-answering' });
      expect(res.statusCode).toBe(302);
      const cookie = String(res.headers['set-cookie']).split(';', 1)[0]!;
      expect(cookie).toMatch(/^fmsid=./);
      // The login stuck: the session the cookie names holds what the hook wrote.
      expect((await app.inject({ url: '/me', headers: { cookie } })).json()).toEqual({
        user: 'ann',
      });
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/sent twice/);
  });

  it("after save(cb) failed on bad data, the app's own error reply goes out; a 200 is not let through", async () => {
    class User {
      name = 'ann';
    }
    const { go } = await serve(async (request, reply) => {
      loose(request).set('user', new User());
      const failed = await new Promise<unknown>((resolve) => request.session.save(resolve));
      if ((request.query as { swallow?: string }).swallow) return { ok: true };
      return reply.code(400).send({ mine: (failed as { code?: string }).code });
    });
    const answered = await go('POST', '/route');
    expect(answered.status).toBe(400);
    expect(answered.body).toEqual({ mine: 'ERR_SESSION_UNSUPPORTED_DATA' });
    expect(answered.setCookie).toBeUndefined();
    const swallowed = await go('POST', '/route?swallow=1');
    expect(swallowed.status).toBe(500);
    expect(swallowed.body.code).toBe('ERR_SESSION_UNSUPPORTED_DATA');
  });

  it('delete request.session.user deletes the data key; deleting a member names the fix', async () => {
    const { go } = await serve((request) => {
      const s = request.session as unknown as Record<string, unknown>;
      if ((request.query as { member?: string }).member) delete s.get;
      else delete s.user;
      return { data: request.session.data };
    });
    await go('POST', '/seed');
    expect((await go('POST', '/route')).body).toEqual({ data: { cart: [1] } });
    const refused = await go('POST', '/route?member=1');
    expect(refused.status).toBe(500);
    expect(refused.body.message).toContain('request.session.get belongs to the session API');
    expect(refused.body.message).toContain('cannot be deleted');
  });
});
