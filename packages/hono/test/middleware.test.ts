import { MemoryStore, type SessionManagerOptions } from '@fastmmap/session-core';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { stream } from 'hono/streaming';
import { describe, expect, it, vi } from 'vitest';
import {
  type HonoSessionOptions,
  isSessionError,
  type SessionVariables,
  session,
} from '../src/index.js';

const secret = 'a-secret-of-at-least-32-characters!!';

function build(options: Partial<SessionManagerOptions> & { trustProxy?: boolean } = {}) {
  const middleware = session({
    secret,
    store: new MemoryStore(),
    ...options,
  } as HonoSessionOptions);
  const app = new Hono<{ Variables: SessionVariables }>();
  app.use(middleware);
  app.post('/login', (c) => {
    (c.get('session').data as Record<string, unknown>).user = 'ann';
    setCookie(c, 'theme', 'dark', { path: '/' });
    return c.json({ id: c.get('session').id });
  });
  app.get('/me', (c) => c.json({ data: c.get('session').data, isNew: c.get('session').isNew }));
  app.get('/big', (c) => {
    (c.get('session').data as Record<string, unknown>).big = 'x'.repeat(4096);
    return c.json({ ok: true });
  });
  const errors: unknown[] = [];
  app.onError((err, c) => {
    errors.push(err);
    return c.json({ error: 'internal', code: (err as { code?: string }).code }, 500);
  });
  return { app, middleware, errors };
}

const sessionCookie = (res: Response) =>
  res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
const pair = (setCookie: string | undefined) => setCookie?.split(';', 1)[0] ?? '';

describe('@fastmmap/hono through app.request()', () => {
  it('sets a signed HttpOnly SameSite=Lax cookie once data is written, and reads it back', async () => {
    const { app } = build();
    const anonymous = await app.request('/me');
    expect(anonymous.headers.getSetCookie()).toEqual([]);
    expect(await anonymous.json()).toEqual({ data: {}, isNew: true });

    const login = await app.request('/login', { method: 'POST' });
    const cookie = sessionCookie(login);
    expect(cookie).toMatch(/^fmsid=[\w-]+\.[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // The handler's own cookie survives next to the session's.
    expect(login.headers.getSetCookie().map((c) => c.split('=', 1)[0])).toEqual(['theme', 'fmsid']);

    const me = await app.request('/me', { headers: { cookie: pair(cookie) } });
    expect(await me.json()).toEqual({ data: { user: 'ann' }, isNew: false });
  });

  it('sends a store error to app.onError: 500, secret not in the body, no cookie', async () => {
    const { app, errors } = build({ store: new MemoryStore({ maxSize: 1024 }) });
    const res = await app.request('/big');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal', code: 'ERR_SESSION_TOO_LARGE' });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(errors).toHaveLength(1);
    // The app keeps serving other sessions.
    expect(sessionCookie(await app.request('/login', { method: 'POST' }))).toBeDefined();
  });

  it('a store that cannot serve reaches app.onError with status 503, at load and at commit', async () => {
    const store = new MemoryStore();
    const { app } = build({ store });
    const statuses: unknown[] = [];
    // The recipe the README gives: answer with the error's own status.
    app.onError((err, c) => {
      statuses.push(isSessionError(err) ? err.status : 'not a SessionError');
      return c.text('try again', isSessionError(err) ? err.status : 500);
    });
    const cookie = pair(sessionCookie(await app.request('/login', { method: 'POST' })));
    await store.close(); // ERR_SESSION_STORE_UNAVAILABLE from here on
    const atLoad = await app.request('/me', { headers: { cookie } });
    const atCommit = await app.request('/login', { method: 'POST' });
    expect([atLoad.status, atCommit.status]).toEqual([503, 503]);
    expect(statuses).toEqual([503, 503]);
  });

  it("a failed commit drops the handler's answer: body, framing, caching, Location and cookies; CORS and onError's own headers stay", async () => {
    let cancelled = 0;
    const app = new Hono<{ Variables: SessionVariables }>();
    // A CORS middleware outside the session's: its header must reach the error's answer.
    app.use(async (c, next) => {
      c.header('access-control-allow-origin', 'https://a.example');
      await next();
    });
    app.use(session({ secret, store: new MemoryStore({ maxSize: 1024 }) }));
    const tooBig = (c: { get(key: 'session'): { data: object } }) => {
      (c.get('session').data as Record<string, unknown>).big = 'x'.repeat(4096);
    };
    app.get('/file', (c) => {
      tooBig(c);
      // As serveStatic answers: headers through c.header(), then a stream.
      c.header('content-length', '5');
      c.header('etag', '"v1"');
      c.header('cache-control', 'max-age=3600');
      c.header('cdn-cache-control', 'max-age=3600');
      setCookie(c, 'remember', 'me');
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(new TextEncoder().encode('hello')),
        cancel: () => {
          cancelled++;
        },
      });
      return c.body(body, 200, { 'content-type': 'image/png' });
    });
    app.post('/login', (c) => {
      tooBig(c);
      return c.redirect('/dashboard');
    });
    app.get('/no-status', (c) => {
      tooBig(c);
      return Response.error(); // status 0: no Response can be built with it
    });
    app.onError((err, c) => {
      const code = (err as { code?: string }).code;
      if (c.req.path === '/login') {
        const headers = { location: '/login?error=store', 'set-cookie': 'flash=failed; Path=/' };
        return new Response(null, { status: 303, headers });
      }
      c.header('x-request-id', 'abc'); // c.header() on the context of a dropped answer
      return c.json({ code }, 500);
    });
    const res = await app.request('/file');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ code: 'ERR_SESSION_TOO_LARGE' });
    // A Content-Length carried over from the handler would frame the next response.
    expect(res.headers.get('content-length') ?? String(text.length)).toBe(String(text.length));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    for (const name of ['etag', 'cache-control', 'cdn-cache-control']) {
      expect(res.headers.get(name)).toBeNull();
    }
    expect(res.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(res.headers.get('x-request-id')).toBe('abc');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(cancelled).toBe(1);

    // onError's own redirect and cookie, not the handler's.
    const login = await app.request('/login', { method: 'POST' });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/login?error=store');
    expect(login.headers.getSetCookie()).toEqual(['flash=failed; Path=/']);
    expect(login.headers.get('access-control-allow-origin')).toBe('https://a.example');

    const noStatus = await app.request('/no-status');
    expect(await noStatus.json()).toEqual({ code: 'ERR_SESSION_TOO_LARGE' });
  });

  it('a failed commit ends the stream() callback of the dropped response (onAbort runs)', async () => {
    const { app } = build({ store: new MemoryStore({ maxSize: 1024 }) });
    let onAbort = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
    });
    app.get('/live', (c) => {
      (c.get('session').data as Record<string, unknown>).big = 'x'.repeat(4096);
      return stream(c, async (s) => {
        s.onAbort(onAbort);
        while (!s.aborted) await s.write('tick\n');
      });
    });
    expect((await app.request('/live')).status).toBe(500);
    await aborted;
  }, 5_000);

  it('decides Secure for secure:"auto" from the URL, or X-Forwarded-Proto only with trustProxy', async () => {
    const direct = build().app;
    const proxied = build({ trustProxy: true }).app;
    const post = { method: 'POST' };
    const forwarded = { method: 'POST', headers: { 'x-forwarded-proto': 'https, http' } };
    const secure = /;\s*Secure/i;
    expect(sessionCookie(await direct.request('https://example.com/login', post))).toMatch(secure);
    expect(sessionCookie(await direct.request('http://example.com/login', post))).not.toMatch(
      secure,
    );
    expect(sessionCookie(await direct.request('/login', forwarded))).not.toMatch(secure);
    expect(sessionCookie(await proxied.request('/login', forwarded))).toMatch(secure);
    expect(sessionCookie(await proxied.request('/login', post))).not.toMatch(secure);
  });

  it('close() closes the manager it created, not a shared one', async () => {
    const owner = build().middleware;
    const close = vi.spyOn(owner.manager, 'close');
    const borrower = session({ manager: owner.manager });
    await borrower.close();
    expect(close).not.toHaveBeenCalled();
    await owner.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
