// A reply that skips onSend (reply.hijack(), a reply.raw write) is committed when it finishes:
// a known session keeps its changes; a new or regenerated one, whose cookie could not go out,
// is not stored, and one warning goes through request.log.
import { MemoryStore } from '@fastmmap/session-core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FastifySession, fastifySession } from '../src/index.js';

const secret = 'a-secret-of-at-least-32-characters!!';
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** MemoryStore without Store.sync: load and commit take the promise path, as with Redis. */
class AsyncStore extends MemoryStore {
  override async get(...args: Parameters<MemoryStore['get']>) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return super.get(...args);
  }
}

const loose = (request: FastifyRequest) =>
  request.session as unknown as FastifySession<Record<string, unknown>>;

/** The SSE way out: the route writes the response itself. */
function hijack(reply: FastifyReply, headers: Record<string, string | string[]> = {}) {
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
  reply.raw.end('data: hi\n\n');
}

async function start(store: MemoryStore) {
  const warnings: { msg: string; code?: string; reqId?: string }[] = [];
  const app = Fastify({
    logger: {
      level: 'warn',
      stream: { write: (line: string) => void warnings.push(JSON.parse(line)) },
    },
  });
  apps.push(app);
  await app.register(fastifySession, { secret, store });
  app.post('/login', (request) => {
    loose(request).data.user = 'ann';
    return 'ok';
  });
  app.get('/me', (request) => request.session.data);
  app.get('/sse/write', (request, reply) => {
    loose(request).data.subscribed = true;
    hijack(reply);
  });
  app.get('/sse/read', (request, reply) => {
    void loose(request).data.subscribed;
    hijack(reply);
  });
  app.get('/raw/write', (request, reply) => {
    loose(request).data.raw = true;
    reply.raw.end('raw');
  });
  app.get('/sse/regenerate', async (request, reply) => {
    await request.session.regenerate(['user']);
    hijack(reply);
  });
  // The fix the warning names: commit first, then send the cookie with the hijacked reply.
  app.get('/sse/saved', async (request, reply) => {
    loose(request).data.subscribed = true;
    await request.session.save();
    hijack(reply, { 'set-cookie': request.session.cookieHeaders() });
  });
  app.get('/sse/saved-then-write', async (request, reply) => {
    await request.session.save();
    loose(request).data.late = true;
    hijack(reply);
  });
  app.get('/sse/destroy', async (request, reply) => {
    await request.session.destroy();
    hijack(reply);
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  let body = '';
  /** The request's session cookie (name=value), if the response set one. */
  const get = async (path: string, cookie?: string, method = 'GET') => {
    const res = await fetch(url + path, { method, headers: cookie ? { cookie } : {} });
    body = await res.text();
    const set = res.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
    return set?.split(';', 1)[0];
  };
  const login = async () => (await get('/login', undefined, 'POST'))!;
  return { get, login, warnings, body: () => body };
}

/** onResponse runs on the response's 'finish', which may come after the client has it. */
async function settled(warnings: unknown[], count: number) {
  await vi.waitFor(() => expect(warnings.length).toBeGreaterThanOrEqual(count));
  await new Promise((resolve) => setTimeout(resolve, 30));
}

describe.each([
  ['a synchronous store', () => new MemoryStore()],
  ['an asynchronous store', () => new AsyncStore()],
])('a hijacked reply with %s', (_name, makeStore) => {
  it('warns once when a new session with data was never stored', async () => {
    const { get, warnings } = await start(makeStore());
    expect(await get('/sse/write')).toBeUndefined();
    await settled(warnings, 1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'ERR_SESSION_HEADERS_SENT' });
    expect(warnings[0]!.msg).toMatch(/reply\.hijack\(\)/);
    expect(warnings[0]!.msg).toMatch(/the new session was not stored/);
    expect(warnings[0]!.msg).toMatch(/await request\.session\.save\(\)/);
    expect(warnings[0]!.msg).toMatch(/request\.session\.cookieHeaders\(\)/);
  });

  it("stores a logged-in user's changes when the response finishes; warns about a lost regenerate()", async () => {
    const { get, login, warnings, body } = await start(makeStore());
    const cookie = await login();
    await get('/sse/write', cookie);
    await get('/raw/write', cookie);
    await get('/sse/saved-then-write', cookie);
    // onResponse runs on 'finish', which may come after the client has the response.
    await vi.waitFor(async () => {
      await get('/me', cookie);
      expect(JSON.parse(body())).toEqual({ user: 'ann', subscribed: true, raw: true, late: true });
    });
    expect(warnings).toEqual([]);
    await get('/sse/regenerate', cookie);
    await settled(warnings, 1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/the new session was not stored/);
  });

  it("does not take another request's change for its own (an SSE stream open meanwhile)", async () => {
    const { get, login, warnings, body } = await start(makeStore());
    const cookie = await login();
    // The read-only stream commits nothing over what another request wrote.
    await get('/sse/read', cookie);
    await get('/sse/write', cookie);
    await vi.waitFor(async () => {
      await get('/me', cookie);
      expect(JSON.parse(body())).toEqual({ user: 'ann', subscribed: true });
    });
    expect(warnings).toEqual([]);
  });

  it('stays quiet when nothing was pending, or when the route committed first', async () => {
    const { get, login, warnings, body } = await start(makeStore());
    // Nothing written: an anonymous visitor, a logged-in reader, a logout.
    await get('/sse/read');
    const cookie = await login();
    await get('/sse/read', cookie);
    await get('/sse/destroy', await login());
    // Committed, cookie sent by the route: the session is there on the next request.
    const saved = await get('/sse/saved');
    expect(saved).toMatch(/^fmsid=./);
    await get('/me', saved);
    expect(JSON.parse(body())).toEqual({ subscribed: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(warnings).toEqual([]);
  });
});
