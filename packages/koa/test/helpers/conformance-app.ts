import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { AppHandle } from '@fastmmap/adapter-test-suite';
import { type KoaSessionOptions, session } from '@fastmmap/koa';
import Koa, { type Context } from 'koa';

type Data = Record<string, unknown>;

async function readJson(ctx: Context): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of ctx.req) text += chunk;
  return text ? JSON.parse(text) : {};
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** The conformance routes in Koa idiom (a switch instead of a router dependency). */
export async function startConformanceApp(
  options: KoaSessionOptions,
  KoaClass: typeof Koa = Koa,
): Promise<AppHandle> {
  const app = new KoaClass();
  // Koa logs every 500 to stderr by default; the suite provokes some on purpose.
  app.silent = true;
  const middleware = session(options);
  app.use(middleware);
  app.use(async (ctx) => {
    const s = ctx.session;
    const data = s.data as Data;
    const route = `${ctx.method} ${ctx.path}`;
    const body = ctx.method === 'POST' ? await readJson(ctx) : {};
    const key = String(body.key);
    switch (route) {
      case 'GET /session':
        ctx.body = { id: s.id, isNew: s.isNew, data: s.data };
        return;
      case 'POST /set':
        data[key] = body.value;
        ctx.body = { id: s.id };
        return;
      case 'POST /unset':
        delete data[key];
        ctx.body = { id: s.id };
        return;
      case 'POST /slow-set':
        await delay(Number(body.delayMs));
        data[key] = body.value;
        ctx.body = { id: s.id };
        return;
      case 'POST /regenerate':
        await s.regenerate();
        ctx.body = { id: s.id };
        return;
      case 'POST /destroy-by-null':
        ctx.session = null;
        ctx.body = { ok: true };
        return;
      case 'POST /destroy':
        await s.destroy();
        ctx.body = { ok: true };
        return;
      case 'POST /flash':
        s.flash(key, body.value);
        ctx.body = { ok: true };
        return;
      case 'GET /flashes':
        ctx.body = { messages: s.flashes(String(ctx.query.key)) };
        return;
      case 'POST /max-age':
        s.maxAge = body.value as number | null | undefined;
        ctx.body = { maxAge: s.maxAge };
        return;
      case 'POST /touch':
        s.touch();
        ctx.body = { ok: true };
        return;
      case 'GET /boom-store':
        data.big = 'x'.repeat(2 * 1024 * 1024);
        ctx.body = { ok: true };
        return;
    }
  });
  const server = app.listen(0, '127.0.0.1');
  const url = await listen(server);
  return {
    url,
    async close() {
      await closeServer(server);
      await middleware.close();
    },
  };
}
