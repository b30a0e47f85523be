import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from './app-process.js';
import { browser } from './browser.js';

/**
 * The Fastify and Hono examples are one app (visit counter, login with a flash, logout) on two
 * frameworks: one suite, run against `script` (the example's built main.js), with its own
 * session file. The tests run in order, as one browser.
 */
export function describeCounterExample(name: string, script: string): void {
  let dir: string;
  let app: RunningApp;
  let go: ReturnType<typeof browser>;
  /** GET, or POST of a form from the app's own page (its Origin). */
  const request = (path: string, form?: Record<string, string>) =>
    form ? go('POST', path, form, { origin: app.url }) : go('GET', path);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fastmmap-example-'));
    app = await startApp(script, {
      SESSION_SECRET: 'smoke-test-secret-0123456789-abcdefghij',
      SESSION_FILE: join(dir, 'sessions.fmcache'),
    });
    go = browser(app.url);
  });

  afterAll(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe(name, () => {
    it('counts visits in the session', async () => {
      expect((await request('/')).text).toContain('viewed this page <strong>1</strong>');
      expect(go.cookie()).toMatch(/^fmsid=/);
      expect((await request('/')).text).toContain('viewed this page <strong>2</strong>');
    });

    it('logs in with a new session id, shows the flash once, and keeps counting', async () => {
      const before = go.cookie();
      const login = await request('/login', { username: 'Ann <admin>' });
      expect(login).toMatchObject({ status: 303, location: '/' });
      expect(go.cookie()).not.toBe(before);
      const home = await request('/');
      expect(home.text).toContain('Signed in as <strong>Ann &lt;admin&gt;</strong>');
      expect(home.text).toContain('Welcome, Ann &lt;admin&gt;!');
      expect(home.text).toContain('viewed this page <strong>3</strong>');
      expect((await request('/')).text).not.toContain('Welcome');
    });

    it('"Remember me" keeps the cookie 30 days; without it, until the browser closes', async () => {
      const lifetime = async (form: Record<string, string>) => {
        const other = browser(app.url);
        const login = await other('POST', '/login', form, { origin: app.url });
        const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('fmsid='));
        expect(setCookie).toBeDefined();
        expect((await other('GET', '/')).text).toContain('Signed in as');
        return setCookie!.match(/; Max-Age=(\d+)/i)?.[1];
      };
      expect(await lifetime({ username: 'Bo', remember: 'on' })).toBe(String(30 * 86_400));
      expect(await lifetime({ username: 'Bo' })).toBeUndefined();
    });

    it('a name too big for a session: 413, no stack trace or path; the session goes on', async () => {
      const refused = await browser(app.url)('POST', '/login', { username: 'u'.repeat(95_000) });
      expect(refused.status).toBe(413);
      expect(refused.text).not.toMatch(/ at |\.js\b|Error/);
      expect((await request('/')).text).toContain(
        'Signed in as <strong>Ann &lt;admin&gt;</strong>',
      );
    });

    it('a JSON login is held to the form limit, and a name that is no string is refused', async () => {
      // Fastify parses JSON by itself (to 1 MiB): the form's 10 kB limit must hold there too.
      const post = (body: unknown) =>
        fetch(`${app.url}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          redirect: 'manual',
        });
      expect((await post({ username: 'u'.repeat(95_000) })).status).toBe(413);
      for (const username of [5, ['Ann'], { name: 'Ann' }]) {
        expect((await post({ username })).status, JSON.stringify(username)).toBe(303);
      }
    });

    it('refuses a form post from a foreign or null Origin', async () => {
      // `null` is what a sandboxed iframe or some redirects send: foreign, not a server error.
      for (const origin of ['https://evil.example', 'null']) {
        const res = await fetch(`${app.url}/logout`, {
          method: 'POST',
          headers: { cookie: go.cookie(), origin },
          body: new URLSearchParams(),
          redirect: 'manual',
        });
        expect(res.status, origin).toBe(403);
      }
      expect((await request('/')).text).toContain('Signed in as');
    });

    it('accepts a form post with no Origin, as curl sends it', async () => {
      const res = await fetch(`${app.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'curl' }),
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
    });

    it('logs out: the cookie is cleared and the old one is dead', async () => {
      const old = go.cookie();
      const logout = await request('/logout', {});
      expect(logout.status).toBe(303);
      expect(go.cookie()).toBe('');
      const res = await fetch(`${app.url}/`, { headers: { cookie: old } });
      const body = await res.text();
      expect(body).toContain('name="username"');
      expect(body).toContain('viewed this page <strong>1</strong>');
    });
  });
}
