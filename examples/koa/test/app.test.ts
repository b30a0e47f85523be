import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: ChildProcess;
let url: string;

beforeAll(async () => {
  server = spawn(process.execPath, [join(import.meta.dirname, '..', 'server.js')], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', resolve);
    server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  url = /http:\/\/\S+/.exec(line)![0];
});

afterAll(async () => {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  expect(await exited).toBe(0);
});

/** A browser-like client: keeps the session cookie, does not follow redirects. */
function client() {
  let cookie = '';
  const go = async (method: string, path: string, form?: Record<string, string>) => {
    const res = await fetch(url + path, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
    });
    const set = res.headers.getSetCookie()[0];
    if (set) cookie = set.startsWith('fmsid=;') ? '' : set.split(';')[0]!;
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };
  return Object.assign(go, { cookie: () => cookie });
}

describe('examples/koa', () => {
  it('logs in with a new session id, counts, flashes once, logs out', async () => {
    const go = client();
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
  });

  it('an empty name is refused with a flash message', async () => {
    const go = client();
    await go('POST', '/login', { username: ' ' });
    expect((await go('GET', '/')).text).toContain('Please enter a name.');
  });
});
