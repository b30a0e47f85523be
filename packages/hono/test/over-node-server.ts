// What runs over a real @hono/node-server, once on each major (node-server.test.ts: 2.x,
// node-server-v1.test.ts: 1.x; one per file, as each replaces the global Request and
// Response): the adapter conformance suite, and responses whose headers are immutable.
import type { AddressInfo, Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import { MemoryStore, type SessionManagerOptions } from '@fastmmap/session-core';
import { Hono, type MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { setCookie } from 'hono/cookie';
import { describe, expect, it } from 'vitest';
import { type SessionVariables, session } from '../src/index.js';

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

/** The `serve()` of one @hono/node-server major. */
export interface NodeServer {
  serve(options: {
    fetch: Fetch;
    port: number;
    hostname: string;
  }): Pick<NetServer, 'once' | 'address' | 'close'>;
}

export function describeOverNodeServer(name: string, node: NodeServer): void {
  const start = (options: SessionManagerOptions) => startApp(node, options);
  describeAdapterConformance(`hono on @hono/node-server ${name}`, start);
  // The promise path of load and commit, which stores without Store.sync (Redis) take.
  describeAdapterConformance(`hono on @hono/node-server ${name}`, start, {
    store: 'fastmmap-async',
  });
  describeResponses(name, node);
}

type Body = { key: string; value?: unknown; delayMs?: number };

async function startApp(node: NodeServer, options: SessionManagerOptions) {
  const sessions = session(options);
  const app = new Hono<{ Variables: SessionVariables }>();
  const dataOf = (s: SessionVariables['session']) => s.data as Record<string, unknown>;
  app.use(sessions);
  app.get('/session', (c) => {
    const { id, isNew, data } = c.get('session');
    return c.json({ id, isNew, data });
  });
  app.post('/set', async (c) => {
    const { key, value } = await c.req.json<Body>();
    dataOf(c.get('session'))[key] = value;
    return c.json({ id: c.get('session').id });
  });
  app.post('/unset', async (c) => {
    const { key } = await c.req.json<Body>();
    delete dataOf(c.get('session'))[key];
    return c.json({ id: c.get('session').id });
  });
  app.post('/slow-set', async (c) => {
    const { key, value, delayMs } = await c.req.json<Body>();
    await sleep(delayMs ?? 0);
    dataOf(c.get('session'))[key] = value;
    return c.json({ id: c.get('session').id });
  });
  app.post('/regenerate', async (c) => {
    await c.get('session').regenerate();
    return c.json({ id: c.get('session').id });
  });
  app.post('/destroy-by-null', (c) => {
    // What JavaScript code may do: TypeScript refuses null for the session variable.
    (c.set as (key: string, value: unknown) => void)('session', null);
    return c.json({ ok: true });
  });
  app.post('/destroy', async (c) => {
    await c.get('session').destroy();
    return c.json({ ok: true });
  });
  app.post('/flash', async (c) => {
    const { key, value } = await c.req.json<Body>();
    c.get('session').flash(key, value);
    return c.json({ ok: true });
  });
  app.get('/flashes', (c) => c.json({ messages: c.get('session').flashes(c.req.query('key')!) }));
  app.post('/max-age', async (c) => {
    const session = c.get('session');
    session.maxAge = (await c.req.json<{ value?: number | null }>()).value;
    return c.json({ maxAge: session.maxAge });
  });
  app.post('/touch', (c) => {
    c.get('session').touch();
    return c.json({ ok: true });
  });
  app.get('/boom-store', (c) => {
    dataOf(c.get('session')).huge = 'x'.repeat(2 * 1024 * 1024);
    return c.json({ ok: true });
  });
  app.onError((err, c) => c.json({ error: 'internal error', code: codeOf(err) }, 500));

  const server = node.serve({ fetch: app.fetch as Fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await sessions.close();
    },
  };
}

const codeOf = (err: Error) => (err as { code?: unknown }).code;

/** A served app of `routes` after session() (and `before` it), and its URL. */
async function listen(
  node: NodeServer,
  routes: (app: Hono<{ Variables: SessionVariables }>) => void,
  before: MiddlewareHandler[] = [],
) {
  const middleware = session({
    secret: 'a-secret-of-at-least-32-characters!!',
    store: new MemoryStore(),
  });
  const app = new Hono<{ Variables: SessionVariables }>();
  for (const outer of before) app.use(outer);
  app.use(middleware);
  app.get('/me', (c) => c.json({ data: c.get('session').data, isNew: c.get('session').isNew }));
  routes(app);
  const errors: unknown[] = [];
  app.onError((err, c) => {
    errors.push(err);
    return c.json({ error: 'internal' }, 500);
  });
  const server = node.serve({ fetch: app.fetch as Fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    errors,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await middleware.close();
    },
  };
}

const sessionCookie = (res: Response) =>
  res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
const pair = (setCookie: string | undefined) => setCookie?.split(';', 1)[0] ?? '';

function describeResponses(name: string, node: NodeServer) {
  describe(`@fastmmap/hono on @hono/node-server ${name}`, () => {
    it('sends both Set-Cookie headers over the wire and reads the session back', async () => {
      const { url, close } = await listen(node, (app) =>
        app.post('/login', (c) => {
          (c.get('session').data as Record<string, unknown>).user = 'ann';
          setCookie(c, 'theme', 'dark', { path: '/' });
          return c.json({ id: c.get('session').id });
        }),
      );
      try {
        const login = await fetch(`${url}/login`, { method: 'POST' });
        expect(login.headers.getSetCookie()).toHaveLength(2);
        const cookie = sessionCookie(login);
        // Over real HTTP on 127.0.0.1 the URL is http:, so 'auto' gives no Secure flag.
        expect(cookie).not.toMatch(/;\s*Secure/i);
        const me = await fetch(`${url}/me`, { headers: { cookie: pair(cookie) } });
        expect(await me.json()).toEqual({ data: { user: 'ann' }, isNew: false });
      } finally {
        await close();
      }
    });

    it("adds the cookie to a copy of the handler's light Response, without building a full one from its body", async () => {
      // Hono's c.header() copied it through res.body: a full Response, written as a stream
      // (20-30 µs a response). One Response returned on every request must stay as it was.
      let shared: Response | undefined;
      let bodyReads = 0;
      const { url, errors, close } = await listen(node, (app) =>
        app.get('/shared', (c) => {
          (c.get('session').data as Record<string, unknown>).seen = true;
          if (shared === undefined) {
            const response = new Response('shared', { headers: { 'x-kept': 'yes' } });
            Object.defineProperty(response, 'body', {
              get: () => {
                bodyReads++;
                return Reflect.get(Response.prototype, 'body', response) as unknown;
              },
            });
            shared = response;
          }
          return shared;
        }),
      );
      try {
        const answers = [await fetch(`${url}/shared`), await fetch(`${url}/shared`)];
        for (const res of answers) {
          expect(res.status).toBe(200);
          expect(res.headers.get('x-kept')).toBe('yes');
          expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
          expect(res.headers.get('content-length')).toBe('6');
          expect(await res.text()).toBe('shared');
          expect(res.headers.getSetCookie()).toHaveLength(1);
        }
        expect(sessionCookie(answers[0]!)).not.toBe(sessionCookie(answers[1]!));
        expect(bodyReads).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });

    it("keeps the type a full Response takes from the light one's body", async () => {
      // The light Response's headers lack the type once the app gave any (compress() before
      // session() then left the text alone), and say text/plain for a typed Blob.
      const text = 'words '.repeat(400);
      const { url, errors, close } = await listen(
        node,
        (app) => {
          app.use(async (c, next) => {
            (c.get('session').data as Record<string, unknown>).seen = true;
            await next();
          });
          app.get('/text', () => new Response(text, { headers: { 'x-kept': 'yes' } }));
          app.get('/png', () => new Response(new Blob(['png'], { type: 'image/png' })));
          app.get(
            '/png-headers',
            () =>
              new Response(new Blob(['png'], { type: 'image/png' }), {
                headers: { 'x-kept': 'yes' },
              }),
          );
        },
        [compress()],
      );
      try {
        const compressed = await fetch(`${url}/text`, { headers: { 'accept-encoding': 'gzip' } });
        expect(compressed.headers.get('content-encoding')).toBe('gzip');
        expect(compressed.headers.get('x-kept')).toBe('yes');
        expect(await compressed.text()).toBe(text);
        for (const path of ['/png', '/png-headers']) {
          const png = await fetch(`${url}${path}`);
          expect(png.headers.get('content-type')).toBe('image/png');
          expect(await png.text()).toBe('png');
        }
        expect(sessionCookie(compressed)).toBeDefined();
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });

    it('keeps the chunked framing of a light Response whose headers name Transfer-Encoding', async () => {
      // The server writes the copy with a Content-Length beside it, which clients refuse.
      const { url, errors, close } = await listen(node, (app) =>
        app.get('/chunked', (c) => {
          (c.get('session').data as Record<string, unknown>).seen = true;
          return new Response('abc', { headers: { 'transfer-encoding': 'chunked' } });
        }),
      );
      try {
        const chunked = await fetch(`${url}/chunked`);
        expect(chunked.headers.get('transfer-encoding')).toBe('chunked');
        expect(chunked.headers.get('content-length')).toBeNull();
        expect(await chunked.text()).toBe('abc');
        expect(sessionCookie(chunked)).toBeDefined();
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });

    it('adds the cookie to a fetch() response returned as it is, and to Response.redirect()', async () => {
      const upstream = node.serve({
        fetch: () => Response.json({ up: 1 }, { headers: { 'x-upstream': 'yes' } }),
        port: 0,
        hostname: '127.0.0.1',
      });
      await new Promise((resolve) => upstream.once('listening', resolve));
      const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
      // Under 1.x a fetch() response's headers are immutable (so are a redirect's, where the
      // server leaves Response.redirect() alone): appending in place would throw.
      const { url, errors, close } = await listen(node, (app) => {
        app.get('/proxied', (c) => {
          (c.get('session').data as Record<string, unknown>).via = 'proxy';
          return fetch(upstreamUrl);
        });
        app.get('/away', (c) => {
          (c.get('session').data as Record<string, unknown>).via = 'redirect';
          return Response.redirect(upstreamUrl, 302);
        });
      });
      try {
        const proxied = await fetch(`${url}/proxied`);
        expect(proxied.status).toBe(200);
        expect(proxied.headers.get('x-upstream')).toBe('yes');
        expect(await proxied.json()).toEqual({ up: 1 });
        const away = await fetch(`${url}/away`, { redirect: 'manual' });
        expect(away.status).toBe(302);
        expect(away.headers.get('location')).toBe(upstreamUrl);
        for (const [res, via] of [
          [proxied, 'proxy'],
          [away, 'redirect'],
        ] as const) {
          const me = await fetch(`${url}/me`, { headers: { cookie: pair(sessionCookie(res)) } });
          expect(await me.json()).toEqual({ data: { via }, isNew: false });
        }
        expect(errors).toEqual([]);
      } finally {
        await close();
        await new Promise((resolve) => upstream.close(resolve));
      }
    });
  });
}
