// Bodies with a Content-Length written before end() (res.sendFile, res.download,
// express.static): the client has the response at its last byte, so that byte must wait for
// the commit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { session } from '@fastmmap/express';
import { MemoryStore, type StoredData } from '@fastmmap/session-core';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-file-responses-secret-0123456789abcdef';
const CONTENT = 'hello file\n';
const dir = mkdtempSync(join(tmpdir(), 'fastmmap-express-files-'));
const file = join(dir, 'file.txt');
writeFileSync(file, CONTENT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A MemoryStore whose writes wait from `holdWrites()` to `releaseWrites()`, or fail while `failing`. */
class GatedStore extends MemoryStore {
  failing = false;
  #gate: Promise<void> | undefined;
  #open = () => {};
  #entered: (() => void) | undefined;

  holdWrites(): Promise<void> {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
    return new Promise((resolve) => {
      this.#entered = resolve;
    });
  }

  releaseWrites(): void {
    this.#gate = undefined;
    this.#open();
  }

  override async getAndSet(
    id: string,
    fn: (current: StoredData | undefined) => StoredData | undefined,
    ttlMs: number,
  ): Promise<StoredData | undefined> {
    this.#entered?.();
    if (this.#gate !== undefined) await this.#gate;
    if (this.failing) throw new Error('backend down');
    return super.getAndSet(id, fn, ttlMs);
  }
}

/** The order in which /ordered's write callbacks ran, one entry per request. */
const callbackOrders: number[][] = [];

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function app(store: GatedStore, errorHandler?: ErrorRequestHandler) {
  const app = express();
  app.use(session({ secret, store }));
  app.post('/login', (req, res) => {
    (req.session.data as Record<string, unknown>).user = 'ann';
    res.end();
  });
  app.get('/download', (req, res) => {
    (req.session.data as Record<string, unknown>).downloaded = true;
    res.sendFile(file);
  });
  app.get('/ordered', (req, res) => {
    (req.session.data as Record<string, unknown>).ordered = true;
    res.setHeader('content-length', '4');
    const order: number[] = [];
    res.write('abc', () => order.push(1));
    res.write('d', () => {
      order.push(2);
      res.end();
      callbackOrders.push(order);
    });
  });
  app.get('/base64', (req, res) => {
    (req.session.data as Record<string, unknown>).encoded = true;
    res.setHeader('content-length', '5');
    res.write('aGVsbG8=\n', 'base64'); // "hello": the newline is not a byte
    res.end();
  });
  app.get('/me', (req, res) => {
    res.json(req.session.data);
  });
  if (errorHandler) app.use(errorHandler);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  const url = await listen(server);
  const login = await fetch(`${url}/login`, { method: 'POST' });
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  return { url, headers: { cookie } };
}

describe('a body with a Content-Length written before end()', () => {
  it('res.sendFile: the client gets the last byte only once the commit is done', async () => {
    const store = new GatedStore();
    const { url, headers } = await app(store);
    const entered = store.holdWrites();
    const res = await fetch(`${url}/download`, { headers });
    expect(res.headers.get('content-length')).toBe(String(CONTENT.length));
    const reader = res.body!.getReader();
    let received = '';
    while (received.length < CONTENT.length - 1) {
      const { value } = await reader.read();
      received += Buffer.from(value!).toString();
    }
    await entered; // end() was called: every byte send() had was written
    await delay(50); // time for a last byte on the wire to arrive, were it sent
    const pending = reader.read();
    const early = await Promise.race([pending.then(() => 'byte'), delay(50, 'none')]);
    expect(early).toBe('none');
    store.releaseWrites();
    for (let chunk = await pending; !chunk.done; chunk = await reader.read()) {
      received += Buffer.from(chunk.value).toString();
    }
    expect(received).toBe(CONTENT);
    const me = await fetch(`${url}/me`, { headers });
    expect(await me.json()).toEqual({ user: 'ann', downloaded: true });
  });

  it('a failed commit leaves the client an incomplete response, whatever the error handler sends', async () => {
    const endsIt: ErrorRequestHandler = (_err, _req, res, _next) => {
      res.end();
    };
    const writeErrors: unknown[] = [];
    const writesThenEnds: ErrorRequestHandler = (_err, _req, res, _next) => {
      res.write('!', (err) => writeErrors.push((err as { code?: string } | undefined)?.code));
      setTimeout(() => res.end(), 20);
    };
    for (const errorHandler of [undefined, endsIt, writesThenEnds]) {
      for (const path of ['/download', '/base64']) {
        const store = new GatedStore();
        const { url, headers } = await app(store, errorHandler);
        store.failing = true;
        // The headers may have gone out with the first bytes, or not yet: either way the
        // response must not arrive whole.
        const whole = fetch(`${url}${path}`, { headers }).then((res) => res.text());
        await expect(whole).rejects.toThrow();
        store.failing = false;
        const me = await fetch(`${url}/me`, { headers });
        expect(await me.json()).toEqual({ user: 'ann' });
      }
    }
    // The error handler's write was refused as Node refuses one to a destroyed response.
    expect(writeErrors).toEqual(['ERR_STREAM_DESTROYED', 'ERR_STREAM_DESTROYED']);
  });

  it('write callbacks run in order when the held byte is the whole last write', async () => {
    const { url, headers } = await app(new GatedStore());
    const res = await fetch(`${url}/ordered`, { headers });
    expect(await res.text()).toBe('abcd');
    expect(callbackOrders).toEqual([[1, 2]]);
    const me = await fetch(`${url}/me`, { headers });
    expect(await me.json()).toEqual({ user: 'ann', ordered: true });
  });
});
