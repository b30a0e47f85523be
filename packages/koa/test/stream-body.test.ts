// A stream body that fails while an asynchronous store is still committing: Koa 3 attaches its
// own 'error' listener only when it pipes the body, after the middleware has settled.
import { describeStreamBodies } from '@fastmmap/adapter-test-suite';
import { session } from '@fastmmap/koa';
import Koa from 'koa';
import { closeServer, listen } from './helpers/conformance-app.js';

const secret = 'koa-stream-body-test-secret-0123456789abcdefghij';

describeStreamBodies('@fastmmap/koa', async (store, body) => {
  const app = new Koa();
  app.silent = true;
  const reported: unknown[] = [];
  app.on('error', (err) => reported.push(err));
  app.use(session({ secret, store }));
  app.use((ctx) => {
    const data = ctx.session.data as Record<string, unknown>;
    if (ctx.path === '/get') {
      ctx.body = data;
      return;
    }
    data.streamed = true;
    ctx.type = 'text/plain';
    ctx.body = body();
  });
  const server = app.listen(0, '127.0.0.1');
  return { url: await listen(server), reported, close: () => closeServer(server) };
});
