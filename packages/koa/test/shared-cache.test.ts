// A response a shared cache may store (a public Cache-Control, as koa-static's setHeaders sets)
// carries no cookie that merely refreshes a logged-in id: a CDN would hand it to everyone.
import { session } from '@fastmmap/koa';
import { MemoryStore } from '@fastmmap/session-core';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/conformance-app.js';

const secret = 'koa-shared-cache-test-secret-0123456789abcdef';

describe('session() and responses a shared cache may store', () => {
  it('leaves a refresh for the next private response, and writes the data', async () => {
    const app = new Koa();
    app.use(session({ secret, store: new MemoryStore(), rolling: true }));
    app.use((ctx) => {
      const data = ctx.session.data as Record<string, unknown>;
      if (ctx.path === '/login') data.user = 'ann';
      if (ctx.path === '/asset') {
        data.seen = true;
        ctx.set('Cache-Control', 'public, max-age=31536000');
      }
      ctx.body = data;
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      const url = await listen(server);
      const login = await fetch(`${url}/login`);
      const headers = { cookie: login.headers.getSetCookie()[0]!.split(';', 1)[0]! };
      const asset = await fetch(`${url}/asset`, { headers });
      expect(asset.headers.getSetCookie()).toEqual([]);
      const page = await fetch(`${url}/page`, { headers });
      expect(page.headers.getSetCookie()).toHaveLength(1);
      expect(await page.json()).toEqual({ user: 'ann', seen: true });
    } finally {
      await closeServer(server);
    }
  });
});
