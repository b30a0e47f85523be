// A streamed body sends the session cookie with its first chunk: the session must be stored by
// then, or the browser's requests while the body streams (an event stream, server-side
// rendering and the page's API calls) find no session and get another id.
import { get, type IncomingMessage, type Server } from 'node:http';
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

/** A MemoryStore that answers asynchronously, as RedisStore does. */
class AsyncStore extends MemoryStore {
  override get sync() {
    return undefined;
  }
  override async getAndSet(
    id: string,
    fn: (current: StoredData | undefined) => StoredData | undefined,
    ttlMs: number,
  ): Promise<StoredData | undefined> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return super.getAndSet(id, fn, ttlMs);
  }
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
