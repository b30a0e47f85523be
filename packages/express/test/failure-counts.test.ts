// fastmmap_session_failures_total counts failed requests: a commit Express retries after a
// failure (end() after the streamed headers' commit, or after a failed save()) counts once.
import type { Server } from 'node:http';
import { session } from '@fastmmap/express';
import { MemoryStore, SessionError, type Store, sessionFailures } from '@fastmmap/session-core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-failure-counts-secret-0123456789abcdef';
type Data = Record<string, unknown>;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** A store in an outage: a closed MemoryStore (synchronous), or every call rejecting. */
async function storeDown(mode: 'sync' | 'async'): Promise<Store> {
  if (mode === 'sync') {
    const memory = new MemoryStore();
    await memory.close();
    return memory;
  }
  const down = () => Promise.reject(new SessionError('ERR_SESSION_STORE_UNAVAILABLE', 'down'));
  return {
    get: down,
    store: down,
    delete: down,
    deleteExpired: down,
    getAndSet: down,
    close: () => Promise.resolve(),
  };
}

async function build(mode: 'sync' | 'async') {
  const sessions = session({ secret, store: await storeDown(mode) });
  const app = express();
  app.use(sessions);
  app.get('/stream', (req, res) => {
    (req.session.data as Data).csrf = 'token-1';
    res.write('<html>');
    setTimeout(() => res.end('</html>'), 10);
  });
  app.get('/save', async (req, res, next) => {
    (req.session.data as Data).csrf = 'token-1';
    try {
      await req.session.save();
      res.send('saved');
    } catch (err) {
      next(err);
    }
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  return { url: await listen(server), manager: sessions.manager };
}

const commitFailures = (manager: Parameters<typeof sessionFailures>[0]) =>
  sessionFailures(manager)?.find((f) => f.operation === 'commit')?.count ?? 0;

describe.each(['sync', 'async'] as const)('failure counts with a %s store down', (mode) => {
  it('count a streamed response whose commit fails at its headers and at end() once', async () => {
    const { url, manager } = await build(mode);
    // The commit fails, so the body is cut short.
    await fetch(`${url}/stream`)
      .then((res) => res.text())
      .catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(commitFailures(manager)).toBe(1);
  });

  it('count a failed save() that end() retries once', async () => {
    const { url, manager } = await build(mode);
    const res = await fetch(`${url}/save`);
    expect(res.status).toBe(503);
    await res.text();
    expect(commitFailures(manager)).toBe(1);
  });
});
