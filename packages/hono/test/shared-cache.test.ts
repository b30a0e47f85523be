// A response a shared cache may store (Cache-Control public or s-maxage) carries no cookie
// that merely refreshes a logged-in id: a CDN would hand that id to every later visitor.
import { MemoryStore } from '@fastmmap/session-core';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type SessionVariables, session } from '../src/index.js';

const secret = 'hono-shared-cache-secret-0123456789abcdef';
type Env = { Variables: SessionVariables<Record<string, unknown>> };

describe('session() and responses a shared cache may store', () => {
  it('leaves a refresh for the next private response, and writes the data', async () => {
    const app = new Hono<Env>();
    app.use(session({ secret, store: new MemoryStore(), rolling: true }));
    app.get('/login', (c) => {
      c.get('session').data.user = 'ann';
      return c.text('ok');
    });
    app.get('/asset', (c) => {
      c.get('session').data.seen = true;
      return c.text('asset', 200, { 'cache-control': 's-maxage=600' });
    });
    app.get('/page', (c) => c.json(c.get('session').data));
    const login = await app.request('/login');
    const headers = { cookie: login.headers.getSetCookie()[0]!.split(';', 1)[0]! };
    const asset = await app.request('/asset', { headers });
    expect(asset.headers.getSetCookie()).toEqual([]);
    const page = await app.request('/page', { headers });
    expect(page.headers.getSetCookie()).toHaveLength(1);
    expect(await page.json()).toEqual({ user: 'ann', seen: true });
  });
});

/** A Response that counts reads of its headers, which @hono/node-server builds on demand. */
function countingResponse(body: string): { response: Response; reads: () => number } {
  const response = new Response(body);
  let reads = 0;
  Object.defineProperty(response, 'headers', {
    get: () => {
      reads++;
      return Reflect.get(Response.prototype, 'headers', response) as Headers;
    },
  });
  return { response, reads: () => reads };
}

describe('session() reads the response headers only when a cookie may go', () => {
  it('leaves them alone for a write with nothing to send, reads them for a refresh', async () => {
    const app = new Hono<Env>();
    app.use(session({ secret, store: new MemoryStore(), touchAfter: 60 }));
    const answers: ReturnType<typeof countingResponse>[] = [];
    app.get('/inc', (c) => {
      const data = c.get('session').data;
      data.count = ((data.count as number | undefined) ?? 0) + 1;
      const answer = countingResponse(String(data.count));
      answers.push(answer);
      return answer.response;
    });
    const first = await app.request('/inc');
    const headers = { cookie: first.headers.getSetCookie()[0]!.split(';', 1)[0]! };
    const second = await app.request('/inc', { headers });
    // Counted before this test reads them: Hono's app.request() reads none, only session() could.
    expect(answers[1]!.reads()).toBe(0);
    expect(await second.text()).toBe('2');
    expect(second.headers.getSetCookie()).toEqual([]);
    // The first answer carried the new session's cookie: appended through the headers.
    expect(answers[0]!.reads()).toBeGreaterThan(0);
  });
});
