import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let dir: string;
let child: ChildProcess;
let url: string;
let cookie = '';

/** GET or POST (a form) with the session cookie, like a browser that does not follow redirects. */
async function request(path: string, form?: Record<string, string>) {
  const res = await fetch(`${url}${path}`, {
    method: form ? 'POST' : 'GET',
    headers: { cookie, ...(form && { origin: url }) },
    body: form && new URLSearchParams(form),
    redirect: 'manual',
  });
  for (const setCookie of res.headers.getSetCookie()) {
    const [pair = '', ...attributes] = setCookie.split(';').map((part) => part.trim());
    const expires = attributes.find((a) => /^expires=/i.test(a))?.slice('expires='.length);
    const cleared =
      attributes.some((a) => /^max-age=0$/i.test(a)) || Date.parse(expires ?? '') <= Date.now();
    cookie = cleared ? '' : pair;
  }
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

beforeAll(async () => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx tsc -b\` first`);
  dir = mkdtempSync(join(tmpdir(), 'fastmmap-example-fastify-'));
  child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      PORT: '0',
      SESSION_SECRET: 'smoke-test-secret-0123456789-abcdefghij',
      SESSION_FILE: join(dir, 'sessions.fmcache'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the app exited early with code ${code}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the Fastify example app', () => {
  it('counts visits in the session', async () => {
    expect((await request('/')).body).toContain('viewed this page <strong>1</strong>');
    expect(cookie).toMatch(/^fmsid=/);
    expect((await request('/')).body).toContain('viewed this page <strong>2</strong>');
  });

  it('logs in with a new session id, shows the flash once, and keeps counting', async () => {
    const before = cookie;
    const login = await request('/login', { username: 'Ann <admin>' });
    expect(login).toMatchObject({ status: 303, location: '/' });
    expect(cookie).not.toBe(before);
    const home = await request('/');
    expect(home.body).toContain('Signed in as <strong>Ann &lt;admin&gt;</strong>');
    expect(home.body).toContain('Welcome, Ann &lt;admin&gt;!');
    expect(home.body).toContain('viewed this page <strong>3</strong>');
    expect((await request('/')).body).not.toContain('Welcome');
  });

  it('refuses a form post from a foreign or null Origin', async () => {
    // `null` is what a sandboxed iframe or some redirects send: foreign, not a server error.
    for (const origin of ['https://evil.example', 'null']) {
      const res = await fetch(`${url}/logout`, {
        method: 'POST',
        headers: { cookie, origin },
        body: new URLSearchParams(),
        redirect: 'manual',
      });
      expect(res.status, origin).toBe(403);
    }
    expect((await request('/')).body).toContain('Signed in as');
  });

  it('accepts a form post with no Origin, as curl sends it', async () => {
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'curl' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
  });

  it('logs out: the cookie is cleared and the old one is dead', async () => {
    const old = cookie;
    const logout = await request('/logout', {});
    expect(logout.status).toBe(303);
    expect(cookie).toBe('');
    const res = await fetch(`${url}/`, { headers: { cookie: old } });
    const body = await res.text();
    expect(body).toContain('name="username"');
    expect(body).toContain('viewed this page <strong>1</strong>');
  });
});
