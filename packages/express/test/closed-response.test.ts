// Responses whose headers went out before end() and that close without it: the client went
// away mid-body, or the handler failed after the headers (Express's final handler destroys
// the socket). Koa, Fastify and Hono keep what such a request changed; so does Express now.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatedStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import express, { type ErrorRequestHandler, type Response } from 'express';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-closed-response-secret-0123456789abcdef';
type Data = Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'fastmmap-express-closed-'));
const bigFile = join(dir, 'big.bin');
// Larger than the socket buffers: the client can close while send() is still piping it.
writeFileSync(bigFile, Buffer.alloc(16 * 1024 * 1024, 97));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** An asynchronous store whose writes fail while `failing`. */
class FailingStore extends GatedStore {
  failing = false;
  override beforeWrite = async () => {
    if (this.failing) throw new Error('backend down');
  };
}

async function build(store: MemoryStore, errorHandler?: ErrorRequestHandler) {
  const app = express();
  /** Each response's 'close', for the test to wait on. */
  const closed: Promise<void>[] = [];
  app.use((_req, res, next) => {
    closed.push(new Promise((resolve) => res.once('close', () => setTimeout(resolve, 20))));
    next();
  });
  app.use(session({ secret, store }));
  app.post('/login', (req, res) => {
    (req.session.data as Data).user = 'ann';
    res.end();
  });
  app.get('/me', (req, res) => res.json(req.session.data));
  app.get('/file', (req, res) => {
    (req.session.data as Data).downloading = true;
    res.sendFile(bigFile);
  });
  app.get('/events', (req, res) => {
    (req.session.data as Data).listening = true;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: hello\n\n'); // and never ends it
  });
  app.get('/events-remember-me', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: hello\n\n');
    req.session.maxAge = 30 * 86_400_000; // after the cookie went out; never ends
  });
  app.get('/events-then-end', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: hello\n\n');
    req.once('close', () => {
      setTimeout(() => {
        (req.session.data as Data).leftAt = 'later';
        res.end();
      }, 10);
    });
  });
  app.get('/fails-after-headers', (req, res, next) => {
    (req.session.data as Data).attempted = true;
    res.write('partial');
    next(new Error('after the headers'));
  });
  if (errorHandler) app.use(errorHandler);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const url = await listen(server);
  return { url, closed };
}

/** GETs `url` and closes the connection once the headers and a first chunk arrived. */
function abortAfterFirstChunk(url: string, cookie?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: cookie ? { cookie } : {} }, (res) => {
      res.once('data', () => {
        request.destroy();
        resolve(res);
      });
    });
    request.once('error', reject); // before the first chunk: a failed test
  });
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/login`, { method: 'POST' });
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

async function dataOf(url: string, cookie: string): Promise<unknown> {
  return (await fetch(`${url}/me`, { headers: { cookie } })).json();
}

describe('a response that closes after its headers, without end()', () => {
  it('res.sendFile cut off by the client: the change is kept', async () => {
    const { url, closed } = await build(new MemoryStore());
    const cookie = await login(url);
    await abortAfterFirstChunk(`${url}/file`, cookie);
    await Promise.all(closed);
    expect(await dataOf(url, cookie)).toEqual({ user: 'ann', downloading: true });
  });

  it('an event stream the client leaves: the change is kept, for a new session too', async () => {
    const { url, closed } = await build(new MemoryStore());
    const cookie = await login(url);
    await abortAfterFirstChunk(`${url}/events`, cookie);
    const fresh = await abortAfterFirstChunk(`${url}/events`);
    await Promise.all(closed);
    expect(await dataOf(url, cookie)).toEqual({ user: 'ann', listening: true });
    // The new session's cookie went out with the headers: its record is there to find.
    const freshCookie = [fresh.headers['set-cookie'] ?? []].flat()[0]!.split(';')[0]!;
    expect(await dataOf(url, freshCookie)).toEqual({ listening: true });
  });

  it('an end() that still comes after the close commits what changed since', async () => {
    const { url, closed } = await build(new MemoryStore());
    const cookie = await login(url);
    await abortAfterFirstChunk(`${url}/events-then-end`, cookie);
    await Promise.all(closed);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await dataOf(url, cookie)).toEqual({ user: 'ann', leftAt: 'later' });
  });

  it("a handler that fails after the headers: the change is kept (Express's final handler cut it)", async () => {
    const { url, closed } = await build(new MemoryStore());
    const cookie = await login(url);
    const whole = fetch(`${url}/fails-after-headers`, { headers: { cookie } }).then((r) =>
      r.text(),
    );
    await expect(whole).rejects.toThrow();
    await Promise.all(closed);
    expect(await dataOf(url, cookie)).toEqual({ user: 'ann', attempted: true });
  });

  it('a commit that fails at the close goes to the error handler, once', async () => {
    const store = new FailingStore();
    const seen: unknown[] = [];
    const { url, closed } = await build(store, (err, _req, res: Response, next) => {
      seen.push(err);
      if (res.headersSent) next(err);
      else res.status(500).end();
    });
    const cookie = await login(url);
    store.failing = true;
    await abortAfterFirstChunk(`${url}/events`, cookie);
    await Promise.all(closed);
    expect(seen).toEqual([expect.objectContaining({ message: 'backend down' })]);
    store.failing = false;
    expect(await dataOf(url, cookie)).toEqual({ user: 'ann' });
  });

  it('maxAge set after the headers: warns that the browser keeps the old cookie, as end() does', async () => {
    const { url, closed } = await build(new MemoryStore());
    const cookie = await login(url);
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'ERR_SESSION_HEADERS_SENT') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      await abortAfterFirstChunk(`${url}/events-remember-me`, cookie);
      await Promise.all(closed);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/'fmsid' could not be sent: .*the session was stored/);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
