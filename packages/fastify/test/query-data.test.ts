import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastifySession } from '@fastmmap/fastify';
import { FastMmapStore, MemoryStore, type Store } from '@fastmmap/session-core';
import Fastify from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const secret = 'a-secret-of-at-least-32-characters!!';
const apps: ReturnType<typeof Fastify>[] = [];

const stores: Store[] = [];
const dir = mkdtempSync(join(tmpdir(), 'fastify-query-'));

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const makeStores: [string, () => Store][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['FastMmapStore', () => new FastMmapStore({ storage: join(dir, 'sessions'), numPages: 2 })],
];

describe('@fastmmap/fastify with request.query and request.params as session data', () => {
  it.each(makeStores)(
    "stores Fastify's parsed query and params in %s and gives it back",
    async (_, make) => {
      const app = Fastify();
      apps.push(app);
      const store = make();
      stores.push(store);
      await app.register(fastifySession, { secret, store });
      app.get('/search/:category', (request) => {
        // Neither has Object.prototype nor null as its prototype: an empty null-prototype object.
        const data = request.session.data as Record<string, unknown>;
        data.lastSearch = request.query;
        data.params = request.params;
        const plain = (o: unknown) => Object.getPrototypeOf(o) === Object.prototype;
        return { plain: plain(request.query) || plain(request.params) };
      });
      app.get('/last', (request) => request.session.data);

      const search = await app.inject({ url: '/search/boots?q=shoes&page=2&tag=a&tag=b' });
      expect(search.statusCode).toBe(200);
      expect(search.json()).toEqual({ plain: false });
      const cookie = [search.headers['set-cookie'] ?? []].flat()[0]!.split(';', 1)[0]!;

      const last = await app.inject({ url: '/last', headers: { cookie } });
      expect(last.json()).toEqual({
        lastSearch: { q: 'shoes', page: '2', tag: ['a', 'b'] },
        params: { category: 'boots' },
      });
    },
  );
});
