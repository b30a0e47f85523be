// A reply a shared cache may store (@fastify/static's default `public, max-age=0`) carries no
// cookie that merely refreshes a logged-in id: a CDN would hand that id to every visitor.
import { fastifySession } from '@fastmmap/fastify';
import { MemoryStore } from '@fastmmap/session-core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

const secret = 'fastify-shared-cache-secret-0123456789abcdef';

describe('the plugin and replies a shared cache may store', () => {
  it('leaves a refresh for the next private reply, and writes the data', async () => {
    const app = Fastify();
    await app.register(fastifySession, { secret, store: new MemoryStore(), rolling: true });
    app.get('/login', async (request) => {
      (request.session.data as Record<string, unknown>).user = 'ann';
      return 'ok';
    });
    app.get('/asset', async (request, reply) => {
      (request.session.data as Record<string, unknown>).seen = true;
      return reply.header('cache-control', 'public, max-age=0').send('asset');
    });
    app.get('/page', async (request) => request.session.data);
    const login = await app.inject('/login');
    const cookie = login.headers['set-cookie'] as string;
    const headers = { cookie: cookie.split(';', 1)[0]! };
    const asset = await app.inject({ url: '/asset', headers });
    expect(asset.headers['set-cookie']).toBeUndefined();
    const page = await app.inject({ url: '/page', headers });
    expect(page.headers['set-cookie']).toBeDefined();
    expect(page.json()).toEqual({ user: 'ann', seen: true });
    await app.close();
  });
});
