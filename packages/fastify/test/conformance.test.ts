import { setTimeout as sleep } from 'node:timers/promises';
import { describeAdapterConformance } from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import type { SessionManagerOptions } from '@fastmmap/session-core';
import Fastify from 'fastify';

type Body = { key: string; value?: unknown; delayMs?: number };
const dataOf = (request: { session: { data: object } }) =>
  request.session.data as Record<string, unknown>;

async function startApp(options: SessionManagerOptions) {
  const app = Fastify();
  await app.register(fastifySession, options);
  app.get('/session', (request) => {
    const { id, isNew, data } = request.session;
    return { id, isNew, data };
  });
  app.post<{ Body: Body }>('/set', (request) => {
    dataOf(request)[request.body.key] = request.body.value;
    return { id: request.session.id };
  });
  app.post<{ Body: Body }>('/unset', (request) => {
    delete dataOf(request)[request.body.key];
    return { id: request.session.id };
  });
  app.post<{ Body: Body }>('/slow-set', async (request) => {
    await sleep(request.body.delayMs ?? 0);
    dataOf(request)[request.body.key] = request.body.value;
    return { id: request.session.id };
  });
  app.post('/regenerate', async (request) => {
    // @fastify/session's regenerate keeps only the keys it is given: all of them here.
    await request.session.regenerate(Object.keys(request.session.data));
    return { id: request.session.id };
  });
  app.post('/destroy-by-null', async (request) => {
    request.session = null;
    return { ok: true };
  });
  app.post('/destroy', async (request) => {
    await request.session.destroy();
    return { ok: true };
  });
  app.post<{ Body: Body }>('/flash', (request) => {
    request.session.flash(request.body.key, request.body.value);
    return { ok: true };
  });
  app.get<{ Querystring: { key: string } }>('/flashes', (request) => ({
    messages: request.session.flashes(request.query.key),
  }));
  app.post<{ Body: { value?: number | null } }>('/max-age', (request) => {
    request.session.maxAge = request.body.value;
    return { maxAge: request.session.maxAge };
  });
  app.post('/touch', (request) => {
    request.session.touch();
    return { ok: true };
  });
  app.get('/boom-store', (request) => {
    dataOf(request).huge = 'x'.repeat(2 * 1024 * 1024);
    return { ok: true };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

describeAdapterConformance('fastify', startApp);
// The promise path of load and commit, which stores without Store.sync (Redis) take.
describeAdapterConformance('fastify', startApp, { store: 'fastmmap-async' });
