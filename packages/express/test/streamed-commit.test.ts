// A streamed body sends the session cookie with its first chunk: the session must be stored by
// then, or the browser's requests while the body streams (an event stream, server-side
// rendering and the page's API calls) find no session and get another id.
import { get, type IncomingMessage, type Server } from 'node:http';
import { GatedStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/express';
import { MemoryStore, type StoredData } from '@fastmmap/session-core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-streamed-commit-secret-0123456789abcdef';
type Data = Record<string, unknown>;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** A store that answers asynchronously, as RedisStore does: each write waits 5 ms. */
class AsyncStore extends GatedStore {
  override beforeWrite = () => new Promise((resolve) => setTimeout(resolve, 5));
}

async function build(store: MemoryStore) {
  const app = express();
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  app.use(session({ secret, store }));
  app.get('/page', async (req, res) => {
    (req.session.data as Data).csrf = 'token-1';
    res.write('<html><body>');
    await finished; // Suspense boundaries resolving, say
    (req.session.data as Data).rendered = true;
    res.end('</body></html>');
  });
  app.get('/api', (req, res) => {
    res.json({ data: req.session.data, isNew: req.session.isNew });
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return { url: await listen(server), finish };
}

/** GETs `url`, resolving with the response once its first chunk arrived. */
function firstChunk(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, (res) => res.once('data', () => resolve(res))).once('error', reject);
  });
}

describe('a streamed body', () => {
  for (const [name, make] of [
    ['a synchronous store', () => new MemoryStore()],
    ['an asynchronous store', () => new AsyncStore()],
  ] as const) {
    it(`stores a new session as its cookie goes out, with ${name}`, async () => {
      const { url, finish } = await build(make());
      const page = await firstChunk(`${url}/page`);
      const cookie = [page.headers['set-cookie'] ?? []].flat()[0]!.split(';')[0]!;
      // The asynchronous store's commit runs alongside the first chunk.
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The page's API call while it still streams.
      const api = await fetch(`${url}/api`, { headers: { cookie } });
      expect(api.headers.getSetCookie()).toEqual([]);
      expect(await api.json()).toEqual({ data: { csrf: 'token-1' }, isNew: false });
      finish();
      await new Promise((resolve) => page.on('end', resolve).resume());
      const after = await fetch(`${url}/api`, { headers: { cookie } });
      expect(await after.json()).toEqual({
        data: { csrf: 'token-1', rendered: true },
        isNew: false,
      });
    });
  }
});

/** An AsyncStore that counts the reads a commit makes (a Redis round trip each). */
class CountingStore extends AsyncStore {
  reads = 0;
  override async get(id: string): Promise<StoredData | undefined> {
    this.reads++;
    return super.get(id);
  }
}

describe('a streamed body committed at its headers and again at end()', () => {
  async function streamed(options: { rolling?: boolean }) {
    const store = new CountingStore();
    const app = express();
    app.use(session({ secret, store, ...options }));
    app.post('/login', (req, res) => {
      (req.session.data as Data).user = 'ann';
      res.end();
    });
    app.get('/stream', (req, res) => {
      (req.session.data as Data).seen = true;
      res.write('a');
      setTimeout(() => res.end('b'), 10);
    });
    app.post('/logout', (req, res) => {
      req.session = null;
      res.write('bye');
      setTimeout(() => res.end(), 10);
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    return { store, url: await listen(server) };
  }

  it('reads the record no second time to confirm a cookie the headers could not carry', async () => {
    const { store, url } = await streamed({ rolling: true });
    const login = await fetch(`${url}/login`, { method: 'POST' });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    store.reads = 0;
    const res = await fetch(`${url}/stream`, { headers: { cookie } });
    expect(await res.text()).toBe('ab');
    // The rolling refresh waits for the next response (see streamed-refresh.test.ts).
    expect(res.headers.getSetCookie()).toEqual([]);
    // The load, and the write at the headers: no read at end() for a cookie it cannot send.
    expect(store.reads).toBe(1);
  });

  it('req.session = null, then streamed: the headers carry no cookie of the id being destroyed', async () => {
    const { url } = await streamed({ rolling: true });
    const login = await fetch(`${url}/login`, { method: 'POST' });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const res = await fetch(`${url}/logout`, { method: 'POST', headers: { cookie } });
    expect(await res.text()).toBe('bye');
    // Not a rolling refresh of the dead id (the destroy had not finished when they went out).
    expect(res.headers.getSetCookie()).toEqual([]);
    const me = await fetch(`${url}/login`, { method: 'POST', headers: { cookie } });
    expect(me.headers.getSetCookie()[0]).not.toContain(cookie);
  });

  it('a new session: one write, no read', async () => {
    const { store, url } = await streamed({});
    const res = await fetch(`${url}/stream`);
    expect(await res.text()).toBe('ab');
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(store.reads).toBe(0);
    const me = await fetch(`${url}/login`, { method: 'POST', headers: { cookie } });
    expect(me.headers.getSetCookie()).toEqual([]);
    expect(store.reads).toBe(1);
  });

  /** Serves `app` with a last error handler that records the codes it gets. */
  async function serveRecordingFailures(app: express.Express) {
    const failures: unknown[] = [];
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: unknown) => {
      failures.push((err as { code?: unknown }).code);
      res.end();
    });
    const server = app.listen(0);
    servers.push(server);
    return { url: await listen(server), failures };
  }

  it('data no store can keep, on an asynchronous store: the failure goes to next(err)', async () => {
    // The headers' cookies are planned while the commit waits: the plan fails like the commit,
    // and a throw out of res.write() from a callback would be uncaught.
    const app = express();
    app.use(session({ secret, store: new AsyncStore(), rolling: true }));
    app.post('/login', (req, res) => {
      (req.session.data as Data).user = 'ann';
      res.send('ok');
    });
    app.get('/feed', (req, res) => {
      (req.session.data as Data).render = () => 'not data';
      setImmediate(() => {
        res.write('a');
        res.end('b');
      });
    });
    const { url, failures } = await serveRecordingFailures(app);
    const login = await fetch(`${url}/login`, { method: 'POST' });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const res = await fetch(`${url}/feed`, {
      headers: { cookie },
      signal: AbortSignal.timeout(5_000),
    });
    await res.text();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(failures).toEqual(['ERR_SESSION_UNSUPPORTED_DATA']);
  });

  it('a new session given data no store can keep after the first chunk: the failure goes to next(err)', async () => {
    // The unsent-cookie warning plans the cookie it could not send: that plan fails like the
    // commit, and a throw out of res.end() from a callback would be uncaught.
    const app = express();
    app.use(session({ secret, store: new MemoryStore() }));
    app.get('/feed', (req, res) => {
      res.write('a');
      setImmediate(() => {
        (req.session.data as Data).render = () => 'not data';
        res.end('b');
      });
    });
    const { url, failures } = await serveRecordingFailures(app);
    const res = await fetch(`${url}/feed`, { signal: AbortSignal.timeout(5_000) });
    await res.text();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(failures).toEqual(['ERR_SESSION_UNSUPPORTED_DATA']);
  });
});
