import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { session as expressSession } from '@fastmmap/express';
import { fastifySession } from '@fastmmap/fastify';
import { FastMmapStore } from '@fastmmap/session-core';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// One cache file and one secret, two frameworks: what two apps on one host would do.
const secret = 'shared-secret-between-express-and-fastify';
type Data = Record<string, unknown>;
type Body = { key: string; value: unknown };

let dir: string;
const stores: FastMmapStore[] = [];
const closers: (() => Promise<void>)[] = [];
let expressUrl: string;
let fastifyUrl: string;

function openStore() {
  const store = new FastMmapStore({ storage: join(dir, 'sessions.fmcache'), numPages: 8 });
  stores.push(store);
  return store;
}

async function startExpress() {
  const sessions = expressSession({ secret, store: openStore() });
  const app = express();
  app.use(express.json(), sessions);
  app.get('/session', (req, res) => {
    res.json({ id: req.session.id, data: req.session.data });
  });
  app.post('/set', (req, res) => {
    const { key, value } = req.body as Body;
    (req.session.data as Data)[key] = value;
    res.json({ id: req.session.id });
  });
  app.post('/regenerate', async (req, res) => {
    await req.session.regenerate();
    res.json({ id: req.session.id });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(async () => {
    await new Promise((resolve) => server.close(resolve));
    await sessions.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startFastify() {
  const app = Fastify();
  await app.register(fastifySession, { secret, store: openStore() });
  app.get('/session', (request) => ({ id: request.session.id, data: request.session.data }));
  app.post<{ Body: Body }>('/set', (request) => {
    (request.session.data as Data)[request.body.key] = request.body.value;
    return { id: request.session.id };
  });
  app.post('/destroy', async (request) => {
    await request.session.destroy();
    return { ok: true };
  });
  closers.push(() => app.close());
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** A request that carries `cookie` and returns the new one, if the response set it. */
async function call(method: 'GET' | 'POST', url: string, cookie: string, body?: Body) {
  const res = await fetch(url, {
    method,
    headers: { cookie, ...(body && { 'content-type': 'application/json' }) },
    body: body && JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
  return {
    json: (await res.json()) as { id: string; data: Data },
    cookie: setCookie?.split(';', 1)[0] ?? cookie,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fastmmap-sharing-'));
  expressUrl = await startExpress();
  fastifyUrl = await startFastify();
});

afterAll(async () => {
  for (const close of closers) await close();
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('one session across Express and Fastify (same cache file, same secret)', () => {
  it('is created on Express, read and changed on Fastify, and the change is seen on Express', async () => {
    const created = await call('POST', `${expressUrl}/set`, '', { key: 'user', value: 'ann' });
    const { cookie } = created;
    expect(cookie).toMatch(/^fmsid=/);

    const onFastify = await call('GET', `${fastifyUrl}/session`, cookie);
    expect(onFastify.json).toEqual({ id: created.json.id, data: { user: 'ann' } });
    await call('POST', `${fastifyUrl}/set`, cookie, { key: 'cart', value: [1, 2] });

    const onExpress = await call('GET', `${expressUrl}/session`, cookie);
    expect(onExpress.json).toEqual({ id: created.json.id, data: { user: 'ann', cart: [1, 2] } });
  });

  it('is created on Fastify, regenerated on Express (old id dead on Fastify), destroyed on Fastify', async () => {
    const created = await call('POST', `${fastifyUrl}/set`, '', { key: 'user', value: 'bob' });
    const regenerated = await call('POST', `${expressUrl}/regenerate`, created.cookie);
    expect(regenerated.json.id).not.toBe(created.json.id);

    const stale = await call('GET', `${fastifyUrl}/session`, created.cookie);
    expect(stale.json.data).toEqual({});
    const fresh = await call('GET', `${fastifyUrl}/session`, regenerated.cookie);
    expect(fresh.json).toEqual({ id: regenerated.json.id, data: { user: 'bob' } });

    await call('POST', `${fastifyUrl}/destroy`, regenerated.cookie);
    const afterDestroy = await call('GET', `${expressUrl}/session`, regenerated.cookie);
    expect(afterDestroy.json.data).toEqual({});
    expect(afterDestroy.json.id).not.toBe(regenerated.json.id);
  });
});
