import { EventEmitter } from 'node:events';
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import fastifyCookie from '@fastify/cookie';
import { fastifySession } from '@fastmmap/fastify';
import { MemoryStore, SessionError, type SessionManagerOptions } from '@fastmmap/session-core';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';

const secret = 'a-secret-of-at-least-32-characters!!';
const apps: FastifyInstance[] = [];

async function build(options: Partial<SessionManagerOptions> = {}, fastifyOptions = {}) {
  const app = Fastify(fastifyOptions);
  apps.push(app);
  await app.register(fastifySession, { secret, store: new MemoryStore(), ...options });
  app.post('/login', (request) => {
    (request.session.data as Record<string, unknown>).user = 'ann';
    return { ok: true };
  });
  app.get('/me', (request) => ({ data: request.session.data, isNew: request.session.isNew }));
  return app;
}

const setCookies = (res: LightMyRequestResponse) => [res.headers['set-cookie'] ?? []].flat();
const cookiePair = (setCookie: string) => setCookie.split(';', 1)[0]!;

/** A Response as the undici package makes one: the global's tag and fields, not its class. */
const foreignResponse = (body: ReadableStream) => ({
  [Symbol.toStringTag]: 'Response',
  status: 200,
  headers: new Headers({ 'content-type': 'text/plain' }),
  body,
  bodyUsed: false,
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('@fastmmap/fastify plugin', () => {
  it('sets a signed HttpOnly SameSite=Lax cookie once data is written, and reads it back', async () => {
    const app = await build();
    const anonymous = await app.inject({ url: '/me' });
    expect(setCookies(anonymous)).toEqual([]);

    const login = await app.inject({ method: 'POST', url: '/login' });
    const [cookie] = setCookies(login);
    expect(cookie).toMatch(/^fmsid=[\w-]+\.[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    const me = await app.inject({ url: '/me', headers: { cookie: cookiePair(cookie!) } });
    expect(me.json()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it('appends its Set-Cookie next to cookies set by the route or @fastify/cookie', async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(fastifyCookie);
    await app.register(fastifySession, { secret, store: new MemoryStore() });
    app.get('/both', (request, reply) => {
      (request.session.data as Record<string, unknown>).seen = true;
      reply.header('set-cookie', 'raw=1; Path=/');
      reply.setCookie('theme', 'dark', { path: '/' });
      return 'ok';
    });
    const res = await app.inject({ url: '/both' });
    const names = setCookies(res).map((c) => c.split('=', 1)[0]);
    expect(names.sort()).toEqual(['fmsid', 'raw', 'theme']);
  });

  it("@fastify/session's request.session.user = ... writes the data, in sloppy code too", async () => {
    const app = await build();
    // A Function body is sloppy-mode code, as a CommonJS app without 'use strict' is.
    const sloppyWrite = new Function('session', "session.user = 'ann'; delete session.cart;") as (
      s: unknown,
    ) => void;
    app.post('/sloppy-login', (request) => {
      sloppyWrite(request.session);
      const s = request.session as unknown as Record<string, unknown>;
      return { user: s.user, has: 'user' in s, data: request.session.data };
    });
    app.post('/replace-api', (request) => {
      (request.session as unknown as Record<string, unknown>).save = 'x';
      return 'unreachable';
    });
    const res = await app.inject({ method: 'POST', url: '/sloppy-login' });
    expect(res.json()).toEqual({ user: 'ann', has: true, data: { user: 'ann' } });
    const [cookie] = setCookies(res);
    const me = await app.inject({ url: '/me', headers: { cookie: cookiePair(cookie!) } });
    expect(me.json()).toEqual({ data: { user: 'ann' }, isNew: false });
    // A data key named like a member is reachable only through .data: replacing it throws.
    const refused = await app.inject({ method: 'POST', url: '/replace-api' });
    expect(refused.statusCode).toBe(500);
    expect(refused.json().message).toMatch(/request\.session\.save belongs to the session API/);
  });

  it("request.session.cookie.maxAge is @fastify/session's remember me; the other attributes read", async () => {
    const app = await build();
    app.post('/remember', (request) => {
      (request.session.data as Record<string, unknown>).user = 'ann';
      request.session.cookie.maxAge = 7 * 86_400_000;
      return { maxAge: request.session.cookie.maxAge, path: request.session.cookie.path };
    });
    app.post('/per-session-path', (request) => {
      request.session.cookie.path = '/admin';
      return 'unreachable';
    });
    const res = await app.inject({ method: 'POST', url: '/remember' });
    expect(res.json()).toEqual({ maxAge: 7 * 86_400_000, path: '/' });
    expect(setCookies(res)[0]).toContain('; Max-Age=604800;');
    const refused = await app.inject({ method: 'POST', url: '/per-session-path' });
    expect(refused.statusCode).toBe(500);
    expect(refused.json()).toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
  });

  it('sends a store error through the error handler once: 500, secret not in the body', async () => {
    const app = await build({ store: new MemoryStore({ maxSize: 1024 }) });
    const errors: unknown[] = [];
    app.setErrorHandler((err, _request, reply) => {
      errors.push(err);
      reply.code(500).send({ error: 'internal', code: (err as { code?: string }).code });
    });
    app.get('/big', (request) => {
      (request.session.data as Record<string, unknown>).big = 'x'.repeat(4096);
      return { ok: true };
    });
    const res = await app.inject({ url: '/big' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', code: 'ERR_SESSION_TOO_LARGE' });
    expect(res.body).not.toContain(secret);
    expect(setCookies(res)).toEqual([]);
    expect(errors).toHaveLength(1);

    // The default handler too: a 500 without the secret; other sessions keep working.
    const other = await build({ store: new MemoryStore({ maxSize: 1024 }) });
    other.get('/big', (request) => {
      (request.session.data as Record<string, unknown>).big = 'x'.repeat(4096);
      return { ok: true };
    });
    const plain = await other.inject({ url: '/big' });
    expect(plain.statusCode).toBe(500);
    expect(plain.body).not.toContain(secret);
    // Fastify's default handler sends the message: the code, and nothing it cannot keep.
    expect(plain.json()).toMatchObject({
      statusCode: 500,
      code: 'ERR_SESSION_TOO_LARGE',
      message: 'session error ERR_SESSION_TOO_LARGE',
    });
    const login = await other.inject({ method: 'POST', url: '/login' });
    expect(login.statusCode).toBe(200);
    expect(setCookies(login)).toHaveLength(1);
  });

  it("sends any store error's code or class, never its message, and keeps the original as cause", async () => {
    const leaky = (code?: string) => {
      const err = new Error('connect ECONNREFUSED 10.0.0.5:5432 (user=app password=hunter2)');
      return code === undefined ? err : Object.assign(err, { code });
    };
    class DownStore extends MemoryStore {
      failing: 'none' | 'load' | 'commit' = 'none';
      code: string | undefined;
      override get(id: string): ReturnType<MemoryStore['get']> {
        return this.failing === 'load' ? Promise.reject(leaky(this.code)) : super.get(id);
      }
      override getAndSet(...args: Parameters<MemoryStore['getAndSet']>) {
        if (this.failing === 'commit') return Promise.reject(leaky(this.code));
        return super.getAndSet(...args);
      }
    }
    const store = new DownStore();
    const app = await build({ store });
    const cookie = cookiePair(setCookies(await app.inject({ method: 'POST', url: '/login' }))[0]!);
    // A commit that fails, then a load that fails (with a code).
    store.failing = 'commit';
    const commit = await app.inject({ method: 'POST', url: '/login' });
    expect(commit.statusCode).toBe(500);
    expect(commit.json()).toMatchObject({ message: 'session error (Error)' });
    store.failing = 'load';
    // A number is a code too (MongoDB's duplicate key): shown, not free text.
    store.code = 11000 as unknown as string;
    const numeric = await app.inject({ url: '/me', headers: { cookie } });
    // Fastify's error schema sends it as a string.
    expect(numeric.json()).toMatchObject({ code: '11000', message: 'session error 11000' });
    store.code = 'ECONNREFUSED';
    const load = await app.inject({ url: '/me', headers: { cookie } });
    expect(load.statusCode).toBe(500);
    expect(load.json()).toMatchObject({
      code: 'ECONNREFUSED',
      message: 'session error ECONNREFUSED',
    });
    for (const res of [commit, load]) expect(res.body).not.toMatch(/hunter2|10\.0\.0\.5/);

    // A store over HTTP reports its upstream's 403, and a code that is free text: neither is
    // an answer for the client. Nor is the error a callback-style method hands the route.
    store.code = 'db.internal:5432 user=app password=hunter2';
    const forbidden = Object.assign(leaky(), { statusCode: 403 });
    const odd = await app.inject({ url: '/me', headers: { cookie } });
    expect(odd.statusCode).toBe(500);
    expect(odd.json()).toMatchObject({ message: 'session error (Error)' });
    expect(odd.body).not.toMatch(/hunter2|db\.internal/);
    store.failing = 'none';
    // destroy()'s tombstone is a getAndSet.
    store.getAndSet = () => Promise.reject(forbidden);
    const callbacks = await build({ store });
    callbacks.post('/logout-cb', (request, reply) => {
      request.session.destroy((err) => (err ? reply.send(err) : reply.send({ ok: true })));
    });
    const logout = await callbacks.inject({
      method: 'POST',
      url: '/logout-cb',
      headers: { cookie },
    });
    expect(logout.statusCode).toBe(500);
    expect(logout.json()).toMatchObject({ message: 'session error (Error)' });
    expect(logout.body).not.toMatch(/hunter2|10\.0\.0\.5/);
    store.failing = 'load';

    const seen: unknown[] = [];
    const custom = await build({ store });
    custom.setErrorHandler((err, _request, reply) => {
      seen.push(err);
      reply.code(503).send({ retry: true });
    });
    custom.get('/probe', (request) => ({ id: request.session.id }));
    expect((await custom.inject({ url: '/probe', headers: { cookie } })).statusCode).toBe(503);
    expect((seen[0] as Error).cause).toMatchObject({ message: expect.stringMatching(/hunter2/) });
  });

  it('destroys a stream reply whose commit failed (its file stays open otherwise)', async () => {
    const app = await build({ store: new MemoryStore({ maxSize: 1024 }) });
    const streams: Readable[] = [];
    app.get('/download', (request, reply) => {
      (request.session.data as Record<string, unknown>).big = 'x'.repeat(4096);
      const body = Readable.from(['never', 'sent']);
      streams.push(body);
      return reply.type('text/plain').send(body);
    });
    // Web streams, bare and as a Response's body (a proxied fetch(), say): cancelled.
    const cancelled: string[] = [];
    const webBody = (name: string) =>
      new ReadableStream({
        pull: (controller) => controller.enqueue(new TextEncoder().encode('never sent')),
        cancel: () => {
          cancelled.push(name);
        },
      });
    app.get('/web', (request, reply) => {
      (request.session.data as Record<string, unknown>).big = 'x'.repeat(4096);
      return reply.type('text/plain').send(webBody('web'));
    });
    app.get('/response', (request, reply) => {
      (request.session.data as Record<string, unknown>).big = 'x'.repeat(4096);
      const response = new Response(webBody('response'), {
        headers: { 'content-type': 'text/plain' },
      });
      return reply.send(response);
    });
    // The undici package's Response (its own fetch()) is no global Response: Fastify tells
    // one by its tag, and sends its body all the same.
    app.get('/foreign-response', (request, reply) => {
      (request.session.data as Record<string, unknown>).big = 'x'.repeat(4096);
      return reply.send(foreignResponse(webBody('foreign response')));
    });
    // readable-stream's streams are no node:stream instances: Fastify pipes them by shape.
    const legacy: { destroyed: boolean }[] = [];
    app.get('/legacy', (request, reply) => {
      (request.session.data as Record<string, unknown>).big = 'x'.repeat(4096);
      const body = Object.assign(new EventEmitter(), {
        destroyed: false,
        pipe: (dest: NodeJS.WritableStream) => dest.end('never sent'),
        destroy() {
          this.destroyed = true;
        },
      });
      legacy.push(body);
      return reply.type('text/plain').send(body);
    });
    const res = await app.inject({ url: '/download' });
    expect(res.statusCode).toBe(500);
    expect(streams).toHaveLength(1);
    expect(streams[0]!.destroyed).toBe(true);
    expect((await app.inject({ url: '/legacy' })).statusCode).toBe(500);
    expect(legacy.map((body) => body.destroyed)).toEqual([true]);
    expect((await app.inject({ url: '/web' })).statusCode).toBe(500);
    expect((await app.inject({ url: '/response' })).statusCode).toBe(500);
    expect((await app.inject({ url: '/foreign-response' })).statusCode).toBe(500);
    expect(cancelled).toEqual(['web', 'response', 'foreign response']);
  });

  it('registered twice in one context: ERR_SESSION_OPTIONS, and the second opens no store', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const twice = Fastify();
    apps.push(twice);
    twice.register(fastifySession, { secret, store: new MemoryStore() });
    const before = fds();
    // The default store: a file, its lock files and its directory's lock.
    twice.register(fastifySession, { secret });
    await expect(twice.ready()).rejects.toMatchObject({
      name: 'SessionError',
      code: 'ERR_SESSION_OPTIONS',
      message: expect.stringMatching(/already registered in this context or a parent one/),
    });
    expect(fds() - before).toBeLessThan(4);
  });

  it('registered again in a child of a context that has it: refused the same way', async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(fastifySession, { secret, store: new MemoryStore() });
    app.register(async (child) => {
      await child.register(fastifySession, { secret, store: new MemoryStore() });
    });
    await expect(app.ready()).rejects.toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
  });

  it('after another plugin that owns request.session: ERR_SESSION_OPTIONS naming it', async () => {
    const app = Fastify();
    apps.push(app);
    // What @fastify/session does at registration (this program types our request.session).
    app.decorateRequest('session', null as never);
    app.register(fastifySession, { secret, store: new MemoryStore() });
    await expect(app.ready()).rejects.toMatchObject({
      code: 'ERR_SESSION_OPTIONS',
      message: expect.stringMatching(/another plugin in this context \(@fastify\/session\?\)/),
    });
  });

  it('lets an earlier onRequest hook answer before any session is loaded', async () => {
    const app = Fastify();
    apps.push(app);
    app.addHook('onRequest', async (_request, reply) => reply.code(403).send('no'));
    await app.register(fastifySession, { secret, store: new MemoryStore() });
    app.get('/', () => 'unreachable');
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(403);
    expect(setCookies(res)).toEqual([]);
  });

  it('decides Secure for secure:"auto" from request.protocol, which follows trustProxy', async () => {
    const direct = await build();
    const proxied = await build({}, { trustProxy: true });
    const headers = { 'x-forwarded-proto': 'https' };
    const ignored = await direct.inject({ method: 'POST', url: '/login', headers });
    const trusted = await proxied.inject({ method: 'POST', url: '/login', headers });
    const plain = await proxied.inject({ method: 'POST', url: '/login' });
    expect(setCookies(ignored)[0]).not.toMatch(/;\s*Secure/i);
    expect(setCookies(trusted)[0]).toMatch(/;\s*Secure/i);
    expect(setCookies(plain)[0]).not.toMatch(/;\s*Secure/i);
  });

  it('applies only to the context it is registered in (and its children)', async () => {
    const app = Fastify();
    apps.push(app);
    const seen = (request: { session: unknown }) => ({
      session: request.session === undefined ? 'undefined' : typeof request.session,
    });
    app.get('/outside', seen);
    await app.register(async (sibling) => {
      sibling.get('/sibling', seen);
    });
    await app.register(async (child) => {
      await child.register(async (older) => {
        older.get('/inside/older', seen);
      });
      await child.register(fastifySession, { secret, store: new MemoryStore() });
      child.get('/inside', seen);
      await child.register(async (grandchild) => {
        grandchild.get('/inside/grandchild', seen);
      });
    });
    // A sibling of the context that has it may register its own.
    await app.register(async (other) => {
      await other.register(fastifySession, { secret, store: new MemoryStore() });
      other.get('/other', seen);
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const at = async (path: string) =>
      ((await (await fetch(url + path)).json()) as ReturnType<typeof seen>).session;
    // Parent and sibling contexts: no decorator, so undefined (TypeScript still types it).
    expect(await at('/outside')).toBe('undefined');
    expect(await at('/sibling')).toBe('undefined');
    // The context and every child, registered before or after the plugin.
    expect(await at('/inside')).toBe('object');
    expect(await at('/inside/older')).toBe('object');
    expect(await at('/inside/grandchild')).toBe('object');
    expect(await at('/other')).toBe('object');
  });

  it('closes the manager it created on app.close(), and leaves a shared one open', async () => {
    const owner = await build();
    const close = vi.spyOn(owner.sessionManager, 'close');
    await owner.close();
    expect(close).toHaveBeenCalledTimes(1);

    const borrower = Fastify();
    apps.push(borrower);
    await borrower.register(fastifySession, { manager: owner.sessionManager });
    await borrower.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});

describe('store failures', () => {
  // A Redis that is down: its error names the host, which the client must not see.
  const detail = 'connect ECONNREFUSED 10.9.8.7:6379';
  function switchableStore() {
    const memory = new MemoryStore();
    const state = { failing: undefined as 'get' | 'getAndSet' | undefined };
    const refuse = async () => {
      throw new SessionError('ERR_SESSION_STORE_UNAVAILABLE', detail);
    };
    const store = {
      get: (id: string) => (state.failing === 'get' ? refuse() : memory.get(id)),
      store: memory.store.bind(memory),
      delete: memory.delete.bind(memory),
      deleteExpired: memory.deleteExpired.bind(memory),
      getAndSet: (...args: Parameters<MemoryStore['getAndSet']>) =>
        state.failing === 'getAndSet' ? refuse() : memory.getAndSet(...args),
      close: memory.close.bind(memory),
    };
    return { store, state };
  }

  it.each(['get', 'getAndSet'] as const)(
    'a store whose %s is unavailable: a 503 with the code only; the details go to the log',
    async (fail) => {
      let logged = '';
      const stream = {
        write: (line: string) => {
          logged += line;
        },
      };
      const { store, state } = switchableStore();
      const app = await build({ store }, { logger: { level: 'error', stream } });
      let n = 0;
      app.post('/bump', (request) => {
        (request.session.data as Record<string, unknown>).n = ++n;
        return { n };
      });
      const login = await app.inject({ method: 'POST', url: '/login' });
      const cookie = cookiePair(setCookies(login)[0]!);
      state.failing = fail;
      const res = await app.inject({ method: 'POST', url: '/bump', headers: { cookie } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
      expect(res.body).not.toContain('10.9.8.7');
      expect(logged).toContain(detail);
    },
  );

  it('a failing destroy() in a route (logout, whose tombstone is a getAndSet): the same generic 503; an error handler still sees the class, code and cause', async () => {
    const { store, state } = switchableStore();
    const app = await build({ store }, { logger: false });
    const seen: unknown[] = [];
    app.post('/logout', async (request) => {
      await request.session.destroy();
      return { ok: true };
    });
    const login = await app.inject({ method: 'POST', url: '/login' });
    const cookie = cookiePair(setCookies(login)[0]!);
    state.failing = 'getAndSet';
    const res = await app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
    expect(res.body).not.toContain('10.9.8.7');
    // A custom handler, registered on another app: what it is given.
    const custom = await build({ store }, { logger: false });
    custom.setErrorHandler((err, _request, reply) => {
      seen.push(err);
      reply.code(503).send({ retry: true });
    });
    custom.post('/logout', async (request) => {
      await request.session.destroy();
      return { ok: true };
    });
    state.failing = undefined;
    const again = cookiePair(
      setCookies(await custom.inject({ method: 'POST', url: '/login' }))[0]!,
    );
    state.failing = 'getAndSet';
    expect(
      (await custom.inject({ method: 'POST', url: '/logout', headers: { cookie: again } }))
        .statusCode,
    ).toBe(503);
    const err = seen[0] as SessionError;
    expect(err).toBeInstanceOf(SessionError);
    expect(err.code).toBe('ERR_SESSION_STORE_UNAVAILABLE');
    expect((err.cause as Error).message).toBe(detail);
  });
});
