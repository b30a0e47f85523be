import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import type { SessionManagerOptions } from '@fastmmap/session-core';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type SessionVariables, session } from '../src/index.js';

type Body = { key: string; value?: unknown; delayMs?: number };

async function startApp(options: SessionManagerOptions) {
  const sessions = session(options);
  const app = new Hono<{ Variables: SessionVariables }>();
  const dataOf = (s: SessionVariables['session']) => s.data as Record<string, unknown>;
  app.use(sessions);
  app.get('/session', (c) => {
    const { id, isNew, data } = c.get('session');
    return c.json({ id, isNew, data });
  });
  app.post('/set', async (c) => {
    const { key, value } = await c.req.json<Body>();
    dataOf(c.get('session'))[key] = value;
    return c.json({ id: c.get('session').id });
  });
  app.post('/unset', async (c) => {
    const { key } = await c.req.json<Body>();
    delete dataOf(c.get('session'))[key];
    return c.json({ id: c.get('session').id });
  });
  app.post('/slow-set', async (c) => {
    const { key, value, delayMs } = await c.req.json<Body>();
    await sleep(delayMs ?? 0);
    dataOf(c.get('session'))[key] = value;
    return c.json({ id: c.get('session').id });
  });
  app.post('/regenerate', async (c) => {
    await c.get('session').regenerate();
    return c.json({ id: c.get('session').id });
  });
  app.post('/destroy-by-null', (c) => {
    // What JavaScript code may do: TypeScript refuses null for the session variable.
    (c.set as (key: string, value: unknown) => void)('session', null);
    return c.json({ ok: true });
  });
  app.post('/destroy', async (c) => {
    await c.get('session').destroy();
    return c.json({ ok: true });
  });
  app.post('/flash', async (c) => {
    const { key, value } = await c.req.json<Body>();
    c.get('session').flash(key, value);
    return c.json({ ok: true });
  });
  app.get('/flashes', (c) => c.json({ messages: c.get('session').flashes(c.req.query('key')!) }));
  app.post('/max-age', async (c) => {
    const session = c.get('session');
    session.maxAge = (await c.req.json<{ value?: number | null }>()).value;
    return c.json({ maxAge: session.maxAge });
  });
  app.post('/touch', (c) => {
    c.get('session').touch();
    return c.json({ ok: true });
  });
  app.get('/boom-store', (c) => {
    dataOf(c.get('session')).huge = 'x'.repeat(2 * 1024 * 1024);
    return c.json({ ok: true });
  });
  app.onError((err, c) => c.json({ error: 'internal error', code: codeOf(err) }, 500));

  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await sessions.close();
    },
  };
}

const codeOf = (err: Error) => (err as { code?: unknown }).code;

describeAdapterConformance('hono', startApp);
// The promise path of load and commit, which stores without Store.sync (Redis) take.
describeAdapterConformance('hono', startApp, { store: 'fastmmap-async' });
