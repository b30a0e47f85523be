import { expect } from 'vitest';
import type { FlowReply } from './login-flow-client.js';

/** One request of a login flow: a framework's own client (fetch, or Fastify's inject). */
export type LoginGo = (
  method: string,
  path: string,
  cookie?: string,
  credentials?: { username: string; password: string },
) => Promise<FlowReply>;

/**
 * The part of a passport login every adapter must get right (session fixation defence): a
 * visitor with a session (POST /visit) logs in (POST /login redirects to /me) and gets a new
 * cookie and id, /me shows the user, and the pre-login cookie no longer reaches the login.
 * Returns what /me shows after the login and for the old cookie, for the framework's own checks.
 */
export async function expectLoginRotatesId(
  go: LoginGo,
  credentials: { username: string; password: string },
) {
  const me = async (cookie: string) => (await go('GET', '/me', cookie)).body;
  const anon = await go('POST', '/visit');
  const login = await go('POST', '/login', anon.cookie, credentials);
  expect(login.status).toBe(302);
  expect(login.location).toBe('/me');
  expect(login.cookie).toMatch(/^fmsid=./);
  expect(login.cookie).not.toBe(anon.cookie);
  const after = await me(login.cookie!);
  expect(after.user).toBe(credentials.username);
  expect(after.id).not.toBe(anon.body.id);
  const stale = await me(anon.cookie!);
  expect(stale.user).toBeNull();
  expect(stale.id).not.toBe(anon.body.id);
  return { after, stale };
}
