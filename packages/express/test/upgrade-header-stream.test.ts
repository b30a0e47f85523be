// A request with `Upgrade: websocket` reaches Express when the server has no 'upgrade' listener
// (Node then sets req.upgrade false): an HTTP request like any other, whose streamed body
// needs the commits a WebSocket handshake skips (at its headers, and at its close).
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-upgrade-header-stream-secret-0123456789';
type Data = Record<string, unknown>;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function build() {
  const app = express();
  app.use(session({ secret, store: new MemoryStore() }));
  app.get('/login', (req, res) => {
    (req.session.data as Data).user = 'ann';
    res.end();
  });
  app.get('/events', (req, res) => {
    (req.session.data as Data).subscribed = true;
    res.setHeader('content-type', 'text/event-stream');
    res.write('data: hi\n\n'); // an event stream: it ends when the client goes away
  });
  app.get('/api', (req, res) => {
    res.json(req.session.data);
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return listen(server);
}

/** GETs `/events` as a WebSocket client would ask, resolving at its first chunk. */
function events(url: string, cookie?: string): Promise<{ res: IncomingMessage; close(): void }> {
  const headers: Record<string, string> = { connection: 'Upgrade', upgrade: 'websocket' };
  if (cookie !== undefined) headers.cookie = cookie;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/events`, { headers }, (res) =>
      res.once('data', () => resolve({ res, close: () => req.destroy() })),
    );
    req.once('error', reject).end();
  });
}

const cookieOf = (setCookie: readonly string[] | undefined) => setCookie![0]!.split(';')[0]!;

describe('an Upgrade: websocket request that Express answers with a streamed body', () => {
  it('stores a new session as its cookie goes out', async () => {
    const url = await build();
    const stream = await events(url);
    const cookie = cookieOf(stream.res.headers['set-cookie']);
    const api = await fetch(`${url}/api`, { headers: { cookie } });
    expect(await api.json()).toEqual({ subscribed: true });
    stream.close();
  });

  it("commits a known session's change when the client goes away", async () => {
    const url = await build();
    const cookie = cookieOf((await fetch(`${url}/login`)).headers.getSetCookie());
    const stream = await events(url, cookie);
    stream.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const api = await fetch(`${url}/api`, { headers: { cookie } });
    expect(await api.json()).toEqual({ user: 'ann', subscribed: true });
  });
});
