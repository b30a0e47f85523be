import { fastifySession } from '@fastmmap/fastify';
import { MemoryStore } from '@fastmmap/session-core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

// @fastify/websocket routes the handshake through the hooks, then hijacks the reply: the 101
// carries no cookie of ours. A save() made for the socket must leave a due refresh for later.
const secret = 'fastify-websocket-handshake-secret-0123456789';
type Data = Record<string, unknown>;

describe('request.session.save() on a WebSocket handshake', () => {
  it('writes the change and leaves a due cookie refresh to the next response', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const app = Fastify();
    const store = new MemoryStore({ clock });
    await app.register(fastifySession, { secret, store, clock, ttl: 60_000, touchAfter: 1_000 });
    app.get('/login', async (request) => {
      (request.session.data as Data).user = 'ann';
      return 'in';
    });
    app.get('/socket', async (request) => {
      (request.session.data as Data).socket = 'open';
      await request.session.save();
      return 'upgraded';
    });
    app.get('/', async (request) => request.session.data);
    try {
      const login = await app.inject('/login');
      const cookie = String(login.headers['set-cookie']).split(';', 1)[0] ?? '';
      now += 1_500; // a touch and the cookie's refresh fall due
      const headers = { cookie, connection: 'Upgrade', upgrade: 'websocket' };
      const socket = await app.inject({ url: '/socket', headers });
      expect(socket.headers['set-cookie']).toBeUndefined();
      now += 10;
      const next = await app.inject({ url: '/', headers: { cookie } });
      expect(next.json()).toEqual({ user: 'ann', socket: 'open' });
      expect(String(next.headers['set-cookie'])).toMatch(/^fmsid=.*Max-Age=60/);
    } finally {
      await app.close();
    }
  });
});

describe('a WebSocket handshake refused in preHandler', () => {
  it("gives a new visitor's session its cookie, so retries do not store a session each", async () => {
    const app = Fastify();
    const store = new MemoryStore();
    await app.register(fastifySession, { secret, store });
    app.get(
      '/chat',
      {
        preHandler: async (request, reply) => {
          if ((request.session.data as Data).user !== undefined) return;
          (request.session.data as Data).returnTo = '/chat';
          return reply.code(401).send('log in');
        },
      },
      async () => 'upgraded',
    );
    const headers: Record<string, string> = { connection: 'Upgrade', upgrade: 'websocket' };
    try {
      const first = await app.inject({ url: '/chat', headers });
      expect(first.statusCode).toBe(401);
      const cookie = String(first.headers['set-cookie']).split(';', 1)[0] ?? '';
      expect(cookie).toMatch(/^fmsid=/);
      // A reconnecting client retries with the cookie it got: the same session.
      await app.inject({ url: '/chat', headers: { ...headers, cookie } });
      await app.inject({ url: '/chat', headers: { ...headers, cookie } });
      expect(store.size).toBe(1);
    } finally {
      await app.close();
    }
  });
});
