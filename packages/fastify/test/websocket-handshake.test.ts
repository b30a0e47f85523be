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
