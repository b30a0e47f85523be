// A response a shared cache may store (Cache-Control public or s-maxage: express.static with
// maxAge, say) must not carry a cookie that merely refreshes a logged-in id: a CDN would hand
// that id to every later visitor. express-session sends none for an unchanged session there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { session } from '@fastmmap/express';
import { MemoryStore } from '@fastmmap/session-core';
import express from 'express';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from './helpers/http-server.js';

const secret = 'express-shared-cache-secret-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'fastmmap-express-cache-'));
writeFileSync(join(dir, 'app.js'), 'console.log(1);\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** An app with a clock, static assets cached for a year after session(), and a login. */
async function start(options: { rolling?: boolean } = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const app = express();
  app.use(
    session({ secret, store: new MemoryStore({ clock }), clock, touchAfter: 1_000, ...options }),
  );
  app.use('/assets', express.static(dir, { maxAge: '1y' }));
  app.get('/login', (req, res) => {
    (req.session.data as Record<string, unknown>).user = 'ann';
    res.send('ok');
  });
  app.get('/cached/:cc', (req, res) => {
    (req.session.data as Record<string, unknown>).seen = true;
    res.set('Cache-Control', req.params.cc).send('page');
  });
  app.get('/page', (req, res) => {
    res.json(req.session.data);
  });
  const server = app.listen(0);
  servers.push(server);
  const url = await listen(server);
  const login = await fetch(`${url}/login`);
  const cookie = login.headers.getSetCookie()[0]!.split(';', 1)[0]!;
  return {
    url,
    cookie,
    later: (ms: number) => {
      now += ms;
    },
  };
}

const setCookie = (res: Response) => res.headers.getSetCookie();

describe('session() and responses a shared cache may store', () => {
  it('sends no refresh cookie with express.static maxAge, and sends it on the next page', async () => {
    const app = await start();
    app.later(1_500);
    const asset = await fetch(`${app.url}/assets/app.js`, { headers: { cookie: app.cookie } });
    expect(asset.headers.get('cache-control')).toContain('public');
    expect(await asset.text()).toBe('console.log(1);\n');
    expect(setCookie(asset)).toEqual([]);
    const page = await fetch(`${app.url}/page`, { headers: { cookie: app.cookie } });
    expect(setCookie(page)).toHaveLength(1);
  });

  it('leaves rolling refreshes and s-maxage responses alone the same way, and writes the data', async () => {
    const app = await start({ rolling: true });
    for (const cc of ['public, max-age=60', 's-maxage=60', 'PUBLIC']) {
      const res = await fetch(`${app.url}/cached/${encodeURIComponent(cc)}`, {
        headers: { cookie: app.cookie },
      });
      expect(setCookie(res), cc).toEqual([]);
    }
    const page = await fetch(`${app.url}/page`, { headers: { cookie: app.cookie } });
    expect(setCookie(page)).toHaveLength(1);
    expect(await page.json()).toEqual({ user: 'ann', seen: true });
  });

  it('still refreshes on private or no-store responses, and sends a new session its cookie', async () => {
    const app = await start({ rolling: true });
    for (const cc of ['private, max-age=60', 'public, no-store', 'max-age=60']) {
      const res = await fetch(`${app.url}/cached/${encodeURIComponent(cc)}`, {
        headers: { cookie: app.cookie },
      });
      expect(setCookie(res), cc).toHaveLength(1);
    }
    const fresh = await fetch(`${app.url}/cached/public`);
    expect(setCookie(fresh)).toHaveLength(1);
  });

  it('answers data no store can keep through the error handler when ended from a callback', async () => {
    // Ended outside the route handler (a timer here, a stream's 'end' for a file), a throw
    // out of res.end() would be uncaught: the commit's failure goes to next(err) instead.
    const app = express();
    app.use(session({ secret, store: new MemoryStore(), rolling: true }));
    app.get('/login', (req, res) => {
      (req.session.data as Record<string, unknown>).user = 'ann';
      res.send('ok');
    });
    app.get('/widget', (req, res) => {
      (req.session.data as Record<string, unknown>).render = () => 'not data';
      res.set('Cache-Control', 'public, max-age=60');
      setImmediate(() => res.send('widget'));
    });
    const failures: unknown[] = [];
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: unknown) => {
      failures.push((err as { code?: unknown }).code);
      res.status(500).send('failed');
    });
    const server = app.listen(0);
    servers.push(server);
    const url = await listen(server);
    const login = await fetch(`${url}/login`);
    const cookie = login.headers.getSetCookie()[0]!.split(';', 1)[0]!;
    const widget = await fetch(`${url}/widget`, {
      headers: { cookie },
      signal: AbortSignal.timeout(5_000),
    });
    expect(widget.status).toBe(500);
    expect(setCookie(widget)).toEqual([]);
    expect(failures).toEqual(['ERR_SESSION_UNSUPPORTED_DATA']);
  });
});
