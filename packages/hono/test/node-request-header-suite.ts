// session() reads the request's Cookie (and Upgrade, X-Forwarded-Proto) as c.req.header()
// gives it, on each @hono/node-server major: 1.x's light Request builds a Web Headers of every
// request header when asked for one (12-16 µs of CPU a request with a browser's headers,
// measured), so there session() scans Node's rawHeaders instead while that Request is
// untouched; 2.x answers c.req.header() from Node's headers without building one. Run by
// node-request-header.test.ts (2.x) and node-request-header-v1.test.ts (1.x), one per file:
// each major replaces the global Request and Response with its own.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { connect } from 'node:net';
import { MemoryStore } from '@fastmmap/session-core';
import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type SessionEnv, session } from '../src/index.js';

const secret = 'a-secret-of-at-least-32-characters!!';

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

/** One @hono/node-server major, as these tests use it. */
export interface NodeServerUnderTest {
  serve(options: {
    fetch: Fetch;
    port: number;
    hostname: string;
    createServer?: typeof createHttp2Server;
  }): Pick<NetServer, 'once' | 'address' | 'close'>;
  getRequestListener(fetch: Fetch): (req: IncomingMessage, res: ServerResponse) => unknown;
  /**
   * What its `c.req.header()` reads: 'rawHeaders' (1.x, through a Headers built from them)
   * or 'headers' (2.x, Node's parsed object first), which a Node layer may have rewritten.
   */
  readsFrom: 'rawHeaders' | 'headers';
  /** Whether the light Request `c.req.raw` still has no Headers built, when that can be told. */
  headersUnbuilt?: (request: Request) => boolean;
}

/** The counter every app here serves: one more on each request of a session. */
function increment(c: Context<SessionEnv>): number {
  const data = c.get('session').data as { count?: number };
  data.count = (data.count ?? 0) + 1;
  return data.count;
}

/** The counter app over real HTTP; `wrap` stands between the server and app.fetch. */
export async function start(
  node: NodeServerUnderTest,
  wrap: (fetch: Fetch) => Fetch = (fetch) => fetch,
  trustProxy = false,
) {
  const app = new Hono<SessionEnv>();
  // A middleware may move a header into the Cookie before session() reads it.
  app.use(async (c, next) => {
    const moved = movedCookie(c);
    if (moved !== undefined) c.req.raw.headers.set('cookie', moved);
    await next();
  });
  const middleware = session({ secret, store: new MemoryStore(), trustProxy });
  app.use(middleware);
  app.get('/inc', (c) => c.json({ count: increment(c) }));
  const server = node.serve({ fetch: wrap(app.fetch as Fetch), port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    await new Promise((resolve) => server.close(resolve));
    await middleware.close();
  };
  return { port, stop };
}

// Read only when the test sends it (reading builds 1.x's Headers, which most tests must not).
let moveFrom: string | undefined;
function movedCookie(c: Context): string | undefined {
  return moveFrom === undefined ? undefined : c.req.header(moveFrom);
}

/** One request written as given (repeated lines, spaces), answered on a closed connection. */
export function rawGet(port: number, headerLines: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const at = text.indexOf('\r\n\r\n');
      resolve({ head: text.slice(0, at), body: text.slice(at + 4) });
    });
    socket.write(
      `GET /inc HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headerLines}\r\n`,
      'latin1',
    );
  });
}

export const sessionPair = (head: string) => /\r\nset-cookie: ([^;\r]*)/i.exec(head)?.[1];

export function describeNodeRequestHeaders(name: string, node: NodeServerUnderTest) {
  describe(`session() on @hono/node-server ${name} reads request headers as c.req.header() does`, () => {
    it('finds the session, leaving the light Request as the server made it', async () => {
      const unbuilt: boolean[] = [];
      const { port, stop } = await start(node, (fetch) => async (request, env) => {
        const response = await fetch(request, env);
        if (node.headersUnbuilt) unbuilt.push(node.headersUnbuilt(request));
        return response;
      });
      try {
        const cookie = sessionPair((await rawGet(port, '')).head)!;
        expect(cookie).toMatch(/^fmsid=./);
        expect((await rawGet(port, `Cookie: ${cookie}\r\n`)).body).toBe('{"count":2}');
        if (node.headersUnbuilt) expect(unbuilt).toEqual([true, true]);
      } finally {
        await stop();
      }
    });

    it('reads a Cookie sent on several lines, with spaces, as c.req.header() gives it', async () => {
      const { port, stop } = await start(node);
      try {
        const cookie = sessionPair((await rawGet(port, '')).head)!;
        const lines = `Cookie: theme=dark\r\nCookie:  \t${cookie}  \r\ncookie: lang=en\r\n`;
        expect((await rawGet(port, lines)).body).toBe('{"count":2}');
      } finally {
        await stop();
      }
    });

    it('behind trustProxy, X-Forwarded-Proto decides Secure as before', async () => {
      const { port, stop } = await start(node, undefined, true);
      try {
        const https = await rawGet(port, 'X-Forwarded-Proto: https, http\r\n');
        expect(https.head).toMatch(/\r\nset-cookie: fmsid=[^\r]*; Secure/i);
        const http = await rawGet(port, 'X-Forwarded-Proto: http\r\n');
        expect(http.head).toMatch(/\r\nset-cookie: fmsid=/i);
        expect(http.head).not.toMatch(/Secure/i);
      } finally {
        await stop();
      }
    });

    it("reads the Request's Cookie once a middleware changed it, or the app.fetch caller replaced the Request", async () => {
      const { port, stop } = await start(node);
      const cookie = sessionPair((await rawGet(port, '')).head)!;
      try {
        moveFrom = 'x-session';
        expect((await rawGet(port, `X-Session: ${cookie}\r\nCookie: a=1\r\n`)).body).toBe(
          '{"count":2}',
        );
      } finally {
        moveFrom = undefined;
        await stop();
      }
      // A Request of the caller's own, with Node's IncomingMessage still in env.
      let replacement = '';
      const wrapped = await start(node, (fetch) => (request, env) => {
        const headers = new Headers(request.headers);
        headers.set('cookie', replacement);
        return fetch(new Request(request.url, { headers }), env);
      });
      try {
        replacement = sessionPair((await rawGet(wrapped.port, '')).head)!;
        expect((await rawGet(wrapped.port, 'Cookie: a=1\r\n')).body).toBe('{"count":2}');
      } finally {
        await wrapped.stop();
      }
    });
  });

  describe(`session() on @hono/node-server ${name} behind a Node layer that rewrites req.headers`, () => {
    function rewrite(req: IncomingMessage) {
      if (req.headers['x-drop-cookie'] !== undefined) delete req.headers.cookie;
      if (req.headers['x-claim-https'] !== undefined) req.headers['x-forwarded-proto'] = 'https';
    }
    // 1.x's app sees the lines as sent (its Headers come from rawHeaders), 2.x's the rewrite.
    const rewriteSeen = node.readsFrom === 'headers';

    async function startBehindLayer(trustProxy: boolean) {
      const app = new Hono<SessionEnv>();
      const middleware = session({ secret, store: new MemoryStore(), trustProxy });
      app.use(middleware);
      app.get('/inc', (c) =>
        c.json({
          count: increment(c),
          appSees: c.req.header('cookie') ?? null,
          proto: c.req.header('x-forwarded-proto') ?? null,
        }),
      );
      const listener = node.getRequestListener(app.fetch as Fetch);
      const server = createServer((req, res) => {
        rewrite(req);
        void listener(req, res);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      const stop = async () => {
        await new Promise((resolve) => server.close(resolve));
        await middleware.close();
      };
      return { port, stop };
    }

    it("loads the session from the Cookie the app's c.req.header() sees", async () => {
      const { port, stop } = await startBehindLayer(false);
      try {
        const cookie = sessionPair((await rawGet(port, '')).head)!;
        const dropped = await rawGet(port, `Cookie: ${cookie}\r\nX-Drop-Cookie: 1\r\n`);
        expect(JSON.parse(dropped.body)).toEqual(
          rewriteSeen
            ? { count: 1, appSees: null, proto: null }
            : { count: 2, appSees: cookie, proto: null },
        );
      } finally {
        await stop();
      }
    });

    it('decides Secure from the X-Forwarded-Proto the app sees', async () => {
      const { port, stop } = await startBehindLayer(true);
      try {
        const claimed = await rawGet(port, 'X-Claim-Https: 1\r\n');
        expect(JSON.parse(claimed.body)).toMatchObject({ proto: rewriteSeen ? 'https' : null });
        expect(claimed.head).toMatch(
          rewriteSeen ? /\r\nset-cookie: fmsid=[^\r]*; Secure/i : /\r\nset-cookie: fmsid=/i,
        );
        if (!rewriteSeen) expect(claimed.head).not.toMatch(/Secure/i);
      } finally {
        await stop();
      }
    });
  });

  describe(`session() on @hono/node-server ${name} over HTTP/2`, () => {
    it('reads a Cookie split over several fields (rawHeaders: pseudo-headers, then each field)', async () => {
      const app = new Hono<SessionEnv>();
      const middleware = session({ secret, store: new MemoryStore() });
      const unbuilt: boolean[] = [];
      app.use(async (c, next) => {
        await next();
        if (node.headersUnbuilt) unbuilt.push(node.headersUnbuilt(c.req.raw));
      });
      app.use(middleware);
      app.get('/inc', (c) => c.json({ count: increment(c) }));
      const server = node.serve({
        fetch: app.fetch as Fetch,
        port: 0,
        hostname: '127.0.0.1',
        createServer: createHttp2Server,
      });
      await new Promise((resolve) => server.once('listening', resolve));
      const port = (server.address() as AddressInfo).port;
      const client = connectHttp2(`http://127.0.0.1:${port}`);
      const get = (cookie: string[]) =>
        new Promise<{ cookie: string | undefined; body: string }>((resolve, reject) => {
          const stream = client.request({ ':path': '/inc', ...(cookie.length ? { cookie } : {}) });
          let body = '';
          let setCookie: string | undefined;
          stream.setEncoding('utf8');
          stream.on('response', (headers) => {
            setCookie = headers['set-cookie']?.[0]?.split(';')[0];
          });
          stream.on('data', (chunk: string) => {
            body += chunk;
          });
          stream.on('end', () => resolve({ cookie: setCookie, body }));
          stream.on('error', reject);
        });
      try {
        const cookie = (await get([])).cookie!;
        expect(cookie).toMatch(/^fmsid=./);
        expect((await get(['theme=dark', cookie, 'lang=en'])).body).toBe('{"count":2}');
        if (node.headersUnbuilt) expect(unbuilt).toEqual([true, true]);
      } finally {
        client.close();
        await new Promise((resolve) => server.close(resolve));
        await middleware.close();
      }
    });
  });
}
