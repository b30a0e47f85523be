import { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { MemoryStore, session } from '@fastmmap/express';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';

// socket.io shares the Express session with `io.engine.use(session(...))`: engine.io then runs
// the middleware on plain Node requests, and for a WebSocket upgrade on a response-like object
// of its own. These tests build both as engine.io does, without socket.io.
const secret = 'express-plain-node-requests-secret-0123456789';

function request(socket = new Socket()): IncomingMessage {
  const req = new IncomingMessage(socket);
  req.headers = {};
  return req;
}

/** A WebSocket upgrade request, as engine.io hands it to the middleware. */
function upgradeRequest(cookie?: string): IncomingMessage {
  const req = request();
  req.headers = { upgrade: 'websocket', connection: 'Upgrade' };
  if (cookie !== undefined) req.headers.cookie = cookie;
  return req;
}

/**
 * engine.io 6.6's WebSocketResponse: headers for the 101, no appendHeader, writeHead() a
 * no-op, an emitter whose 'close' follows the socket's. Its headers live on the request until
 * the 101 goes out, and are deleted then: getHeader() throws a TypeError after it. Nothing
 * else (no `headers`, getHeaders or headersSent): socket-io.test.ts runs the real one.
 */
class UpgradeResponse extends EventEmitter {
  #headers: Record<string, unknown> | undefined = {};
  readonly socket: Socket;
  constructor(readonly req: IncomingMessage) {
    super();
    this.socket = req.socket;
  }
  setHeader(name: string, value: unknown) {
    this.#headers![name] = value;
  }
  getHeader(name: string) {
    return this.#headers![name];
  }
  removeHeader(name: string) {
    delete this.#headers![name];
  }
  ended = 0;
  write() {}
  writeHead() {}
  end() {
    this.emit('finish');
    this.ended++; // engine.io destroys the socket: the upgrade is refused
  }
  /** ws's 'headers' event: the 101 goes out with these, and they are gone. */
  sendHeaders(): Record<string, unknown> {
    const headers = this.#headers!;
    this.#headers = undefined;
    return headers;
  }
}

/** A store that answers asynchronously, as RedisStore does: commits wait for a promise. */
class AsyncStore extends MemoryStore {
  override async get(id: string) {
    return super.get(id);
  }
}

function run(
  middleware: ReturnType<typeof session>,
  req: IncomingMessage,
  res: object,
): Promise<void> {
  return new Promise((resolve, reject) =>
    middleware(req as Request, res as Response, (err?: unknown) =>
      err === undefined ? resolve() : reject(err),
    ),
  );
}

describe('session() on the plain Node objects engine.io passes', () => {
  it("puts the cookie on a WebSocket upgrade's response, which has no appendHeader", async () => {
    const middleware = session({ secret, store: new MemoryStore(), saveUninitialized: true });
    const req = upgradeRequest();
    const res = new UpgradeResponse(req);
    res.setHeader('set-cookie', ['io=1']);
    await run(middleware, req, res);
    // What engine.io does before the 101 goes out (it threw, and the process exited).
    expect(() => res.writeHead()).not.toThrow();
    const cookies = res.getHeader('set-cookie') as string[];
    expect(cookies[0]).toBe('io=1');
    expect(cookies[1]).toMatch(/^fmsid=/);
    await middleware.close();
  });

  it('plans no cookie for the 101 of a session holding data no store can keep', async () => {
    const middleware = session({ secret, store: new MemoryStore() });
    const req = upgradeRequest();
    const res = new UpgradeResponse(req);
    await run(middleware, req, res);
    // An engine.io middleware after session() keeps something for the socket in the session.
    (req as Request).session.data = { socket: { send: () => {} } };
    // Thrown from engine.io's handshake, it was uncaught and ended the process.
    expect(() => res.writeHead()).not.toThrow();
    expect(res.getHeader('set-cookie')).toBeUndefined();
    await middleware.close();
  });

  it.each(['new', 'known'] as const)(
    'lets the WebSocket of a %s session close after its 101 went out',
    async (kind) => {
      const store = new AsyncStore();
      const middleware = session({ secret, store });
      let cookie: string | undefined;
      if (kind === 'known') {
        const login = request();
        const res = new ServerResponse(login);
        await run(middleware, login, res);
        (login as Request).session.data = { user: 'ann' };
        res.end();
        await new Promise((resolve) => setImmediate(resolve));
        cookie = String(res.getHeader('set-cookie')).split(';', 1)[0];
      }
      const req = upgradeRequest(cookie);
      const res = new UpgradeResponse(req);
      await run(middleware, req, res);
      if (kind === 'known') expect((req as Request).session.data).toEqual({ user: 'ann' });
      res.writeHead(); // engine.io, once the middleware is done
      res.sendHeaders();
      // engine.io's 'close', when the socket closes: a listener reading the headers threw.
      expect(() => res.emit('close')).not.toThrow();
      await new Promise((resolve) => setImmediate(resolve));
      await middleware.close();
    },
  );

  it('lets a middleware refuse the upgrade with end() while an asynchronous commit waits', async () => {
    const middleware = session({ secret, store: new AsyncStore(), saveUninitialized: true });
    const req = upgradeRequest();
    const res = new UpgradeResponse(req);
    await run(middleware, req, res);
    // socket.io's guide: `res.writeHead(401); res.end()` for a visitor who is not logged in.
    res.writeHead();
    expect(() => res.end()).not.toThrow(); // threw "res.getHeaders is not a function"
    await new Promise((resolve) => setImmediate(resolve));
    expect(res.ended).toBe(1);
    await middleware.close();
  });

  it("decides Secure ('auto') by the request's own TLS socket", async () => {
    const middleware = session({ secret, store: new MemoryStore() });
    const cookieOf = async (socket: Socket) => {
      const req = request(socket);
      const res = new ServerResponse(req);
      await run(middleware, req, res);
      (req as Request).session.data = { user: 'alice' };
      res.end();
      await new Promise((resolve) => setImmediate(resolve));
      return String(res.getHeader('set-cookie'));
    };
    const tls = Object.assign(new Socket(), { encrypted: true });
    expect(await cookieOf(tls)).toContain('; Secure');
    expect(await cookieOf(new Socket())).not.toContain('Secure');
    await middleware.close();
  });
});
