// A stream body that fails while an asynchronous store is still committing: Koa 3 attaches its
// own 'error' listener only when it pipes the body, after the middleware has settled.
import { PassThrough } from 'node:stream';
import { GatedStore } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/koa';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { serve, sessionCookie } from './helpers/serve.js';

const secret = 'koa-stream-body-test-secret-0123456789abcdefghij';
type Data = Record<string, unknown>;

describe('@fastmmap/koa stream bodies and an asynchronous commit', () => {
  it('a body stream that fails during the commit is reported by Koa, not thrown', async () => {
    const store = new GatedStore();
    const app = new Koa();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    app.use(session({ secret, store }));
    app.use((ctx) => {
      (ctx.session.data as Data).n = 1;
      const body = new PassThrough();
      ctx.body = body;
      // The stream fails (a missing file, a broken upstream) while the commit waits. (Not
      // events.once() for 'close': it would listen for 'error' itself.)
      store.beforeWrite = () => {
        body.destroy(new Error('upstream failed'));
        return new Promise((resolve) => body.on('close', resolve));
      };
    });
    const url = await serve(app);
    const res = await fetch(url).then(
      (r) => r.status,
      (err: Error) => err.name,
    );
    // Koa's answer to a failed body stream (a 500, or a closed connection), session or not.
    expect([500, 'TypeError']).toContain(res);
    expect(errors.length).toBeGreaterThan(0);
    for (const err of errors) expect(err).toMatchObject({ message: 'upstream failed' });
  });

  it('a body stream that works is sent whole after an asynchronous commit, with the cookie', async () => {
    const store = new GatedStore();
    store.beforeWrite = () => new Promise((resolve) => setTimeout(resolve, 20));
    const app = new Koa();
    app.use(session({ secret, store }));
    app.use((ctx) => {
      const data = ctx.session.data as Data;
      if (ctx.path === '/get') {
        ctx.body = data;
        return;
      }
      data.streamed = true;
      const body = new PassThrough();
      ctx.type = 'text/plain';
      ctx.body = body;
      body.end('streamed body');
    });
    const url = await serve(app);
    const res = await fetch(url);
    expect(await res.text()).toBe('streamed body');
    const cookie = sessionCookie(res);
    const get = await fetch(`${url}/get`, { headers: { cookie } });
    expect(await get.json()).toEqual({ streamed: true });
  });
});
