import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from './app-process.js';
import { browser } from './browser.js';

/**
 * The Express and Koa examples are one app (login, counter, flash, logout, the same routes and
 * pages) on two frameworks: one suite, run against `script` (the example's server.js).
 */
export function describeLoginExample(name: string, script: string): void {
  let server: RunningApp;
  let dir: string;
  let sessionFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'login-example-'));
    sessionFile = join(dir, 'sessions.fmcache');
    server = await startApp(script, {
      SESSION_SECRET: 'smoke-test-secret-0123456789-abcdefghij',
      SESSION_FILE: sessionFile,
    });
  });

  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  describe(name, () => {
    it('logs in with a new session id, counts, flashes once, logs out', async () => {
      const go = browser(server.url);
      expect((await go('GET', '/')).text).toContain('Log in');
      await go('POST', '/count');
      const anonymous = go.cookie();
      const login = await go('POST', '/login', { username: '<ann>' });
      expect(login).toMatchObject({ status: 303, location: '/' });
      // Login regenerates: a new id (so a new cookie), the data kept.
      expect(go.cookie()).toMatch(/^fmsid=/);
      expect(go.cookie()).not.toBe(anonymous);
      const home = await go('GET', '/');
      expect(home.text).toContain('Welcome, &lt;ann&gt;!');
      expect(home.text).toContain('Signed in as <b>&lt;ann&gt;</b>');
      expect((await go('GET', '/')).text).not.toContain('Welcome');
      await go('POST', '/count');
      await go('POST', '/count');
      expect(JSON.parse((await go('GET', '/api/me')).text)).toEqual({ user: '<ann>', count: 3 });
      expect((await go('POST', '/logout')).status).toBe(303);
      expect(JSON.parse((await go('GET', '/api/me')).text)).toEqual({ user: null, count: 0 });
      // SESSION_FILE picked the file the sessions went to.
      expect(existsSync(sessionFile)).toBe(true);
    });

    it('"Remember me" keeps the cookie 30 days; without it, until the browser closes', async () => {
      const lifetime = async (form: Record<string, string>) => {
        const go = browser(server.url);
        const login = await go('POST', '/login', form);
        const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
        expect(setCookie).toBeDefined();
        expect(JSON.parse((await go('GET', '/api/me')).text)).toMatchObject({ user: 'ann' });
        return setCookie!.match(/; Max-Age=(\d+)/i)?.[1];
      };
      expect(await lifetime({ username: 'ann', remember: 'on' })).toBe(String(30 * 86_400));
      expect(await lifetime({ username: 'ann' })).toBeUndefined();
    });

    it('an empty name is refused with a flash message', async () => {
      const go = browser(server.url);
      await go('POST', '/login', { username: ' ' });
      expect((await go('GET', '/')).text).toContain('Please enter a name.');
    });

    it('a login with no form body at all is refused with the same flash, not a 500', async () => {
      const res = await fetch(`${server.url}/login`, { method: 'POST', redirect: 'manual' });
      expect(res.status).toBe(303);
      const cookie = res.headers.getSetCookie()[0]?.split(';')[0] ?? '';
      const home = await fetch(`${server.url}/`, { headers: { cookie } });
      expect(await home.text()).toContain('Please enter a name.');
    });

    it('a name too big for a session: 413, no stack trace or path; other sessions go on', async () => {
      const other = browser(server.url);
      await other('POST', '/count');
      const refused = await browser(server.url)('POST', '/login', { username: 'u'.repeat(95_000) });
      expect(refused.status).toBe(413);
      expect(refused.text).not.toMatch(/ at |\.js\b|Error/);
      expect(JSON.parse((await other('GET', '/api/me')).text)).toEqual({ user: null, count: 1 });
    });

    it('refuses a POST from a foreign or null Origin; its own Origin or none is fine', async () => {
      const go = browser(server.url);
      // No Origin, as curl sends it.
      expect((await go('POST', '/count')).status).toBe(303);
      for (const origin of ['https://evil.example', 'null']) {
        const refused = await go('POST', '/count', undefined, { origin });
        expect(refused, origin).toMatchObject({ status: 403, text: 'cross-site request refused' });
      }
      expect((await go('POST', '/count', undefined, { origin: server.url })).status).toBe(303);
      expect(JSON.parse((await go('GET', '/api/me')).text)).toEqual({ user: null, count: 2 });
    });

    it('without SESSION_SECRET, warns and signs with a random secret of its own', async () => {
      const [a, b] = await Promise.all([
        startApp(script, { SESSION_SECRET: undefined }),
        startApp(script, { SESSION_SECRET: undefined }),
      ]);
      try {
        const go = browser(a.url);
        await go('POST', '/count');
        // Both share the session file, but b cannot verify a cookie that a signed.
        const res = await fetch(`${b.url}/api/me`, { headers: { cookie: go.cookie() } });
        expect(await res.json()).toEqual({ user: null, count: 0 });
        expect(JSON.parse((await go('GET', '/api/me')).text)).toEqual({ user: null, count: 1 });
        expect(a.stderr()).toContain('SESSION_SECRET is not set: using a random one');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  });
}
