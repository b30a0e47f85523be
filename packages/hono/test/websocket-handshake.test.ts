import { MemoryStore } from '@fastmmap/session-core';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { session } from '../src/index.js';

// @hono/node-ws runs the app for the handshake and sends its 101 without the response's
// headers. These requests carry the handshake's headers, as the browser sends them.
const secret = 'hono-websocket-handshake-secret-0123456789';
const handshakeHeaders = { connection: 'Upgrade', upgrade: 'websocket' };
type Data = Record<string, unknown>;

function app(clock: () => number) {
  const store = new MemoryStore({ clock });
  const sessions = session({ secret, store, clock, ttl: 60_000, touchAfter: 1_000 });
  const hono = new Hono()
    .use(sessions)
    .get('/login', (c) => {
      (c.get('session').data as Data).user = 'ann';
      return c.text('in');
    })
    .get('/', (c) => c.json(c.get('session').data))
    .get('/socket', (c) => {
      (c.get('session').data as Data).socket = 'open';
      return c.text('upgraded'); // node-ws answers 101 itself; Response refuses that status
    })
    .get('/socket-remember', async (c) => {
      c.get('session').maxAge = 30 * 86_400_000;
      await c.get('session').commit(); // plans a cookie the 101 will not carry
      return c.text('upgraded');
    })
    .get('/socket-touch', (c) => {
      c.get('session').touch(); // keeps the session alive while a socket opens
      return c.text('upgraded');
    });
  return { hono, store };
}

function cookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie()[0]?.split(';', 1)[0];
  if (cookie === undefined) throw new Error('no session cookie');
  return cookie;
}

describe('session() on a WebSocket handshake (@hono/node-ws)', () => {
  it('writes a known session with no cookie, and stores no new one', async () => {
    const { hono, store } = app(() => 1_000_000);
    const cookie = cookieOf(await hono.request('/login'));
    const known = await hono.request('/socket', { headers: { ...handshakeHeaders, cookie } });
    expect(known.headers.getSetCookie()).toEqual([]);
    const before = store.size;
    const fresh = await hono.request('/socket', { headers: handshakeHeaders });
    expect(fresh.headers.getSetCookie()).toEqual([]);
    expect(store.size).toBe(before);
    const data = await (await hono.request('/', { headers: { cookie } })).json();
    expect(data).toEqual({ user: 'ann', socket: 'open' });
  });

  it('leaves a refresh that falls due to the next response that can carry the cookie', async () => {
    let now = 1_000_000;
    const { hono } = app(() => now);
    const cookie = cookieOf(await hono.request('/login'));
    now += 1_500; // a touch and the cookie's refresh are due when the socket comes
    await hono.request('/socket', { headers: { ...handshakeHeaders, cookie } });
    now += 10;
    const refreshed = (await hono.request('/', { headers: { cookie } })).headers.getSetCookie();
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatch(/^fmsid=.*Max-Age=60/);
  });

  it('leaves the refresh due after a touch() asked for on the handshake', async () => {
    let now = 1_000_000;
    const { hono } = app(() => now);
    const cookie = cookieOf(await hono.request('/login'));
    now += 1_500;
    await hono.request('/socket-touch', { headers: { ...handshakeHeaders, cookie } });
    now += 10;
    const refreshed = (await hono.request('/', { headers: { cookie } })).headers.getSetCookie();
    expect(refreshed).toHaveLength(1);
  });

  it('sends a maxAge a commit() in the handshake stored with the next response', async () => {
    const { hono } = app(() => 1_000_000);
    const cookie = cookieOf(await hono.request('/login'));
    const socket = await hono.request('/socket-remember', {
      headers: { ...handshakeHeaders, cookie },
    });
    expect(socket.headers.getSetCookie()).toEqual([]);
    const next = (await hono.request('/', { headers: { cookie } })).headers.getSetCookie();
    expect(next).toEqual([expect.stringMatching(/^fmsid=.*Max-Age=2592000/)]);
    expect((await hono.request('/', { headers: { cookie } })).headers.getSetCookie()).toEqual([]);
  });
});
