// A browser over HTTP/2 sends each cookie as its own `cookie` field (RFC 9113 8.2.3). On
// @hono/node-server 2.x, c.req.header() answers from the raw fields once a middleware has
// listed every header: the session must still be found, and every Set-Cookie line must
// arrive. Cleartext HTTP/2 (h2c): the cookie fields are the same over TLS, and a certificate
// would need openssl on the test machine.
import { connect, createServer, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '@fastmmap/session-core';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { expect, it } from 'vitest';
import { type SessionEnv, session } from '../src/index.js';

type Answer = { setCookies: string[]; body: string };

const names = (answer: Answer) =>
  answer.setCookies
    .map((line) => line.split('=', 1)[0])
    .sort()
    .join();

it('over HTTP/2 on 2.x, finds the session in split Cookie fields behind a middleware that lists the headers', async () => {
  const app = new Hono<SessionEnv>();
  // Lists every request header: node-server then answers c.req.header() from the raw fields.
  app.use(async (c, next) => {
    c.req.header();
    await next();
  });
  const sessions = session({
    secret: 'a-secret-of-at-least-32-characters!!',
    store: new MemoryStore(),
  });
  app.use(sessions);
  app.get('/login', (c) => {
    (c.get('session').data as { user?: string }).user = 'ann';
    setCookie(c, 'theme', 'dark');
    c.header('Set-Cookie', 'lang=en; Path=/', { append: true });
    return c.text('in');
  });
  app.get('/inc', (c) => {
    const data = c.get('session').data as { user?: string; n?: number };
    data.n = (data.n ?? 0) + 1;
    return c.json({ user: data.user ?? null, n: data.n });
  });
  app.get('/logout', async (c) => {
    await c.get('session').destroy();
    return c.text('out');
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', createServer });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const client = connect(`http://127.0.0.1:${port}`);
  const h2 = (path: string, cookie: string[] = []) =>
    new Promise<Answer>((resolve, reject) => {
      // An array goes out as one `cookie` field per element.
      const stream = client.request({ ':path': path, ...(cookie.length ? { cookie } : {}) });
      let headers: IncomingHttpHeaders = {};
      let body = '';
      stream.setEncoding('utf8');
      stream.on('response', (h) => {
        headers = h;
      });
      stream.on('data', (chunk: string) => {
        body += chunk;
      });
      stream.on('end', () => resolve({ setCookies: headers['set-cookie'] ?? [], body }));
      stream.on('error', reject);
    });
  try {
    const login = await h2('/login');
    expect(names(login)).toBe('fmsid,lang,theme');
    const sid = login.setCookies.find((line) => line.startsWith('fmsid='))!.split(';', 1)[0]!;
    // Joined with ', ' instead of '; ', the fields would hide the session in every position.
    expect((await h2('/inc', ['theme=dark', sid, 'lang=en'])).body).toBe('{"user":"ann","n":1}');
    expect((await h2('/inc', [sid, 'theme=dark'])).body).toBe('{"user":"ann","n":2}');
    const logout = await h2('/logout', ['theme=dark', sid]);
    expect(logout.setCookies.some((line) => line.startsWith('fmsid=;'))).toBe(true);
    expect((await h2('/inc', ['theme=dark', sid])).body).toBe('{"user":null,"n":1}');
  } finally {
    client.close();
    await new Promise((resolve) => server.close(resolve));
    await sessions.close();
  }
});
