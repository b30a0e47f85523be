import { expect } from 'vitest';
import { type CallOptions, call, type SetCookie } from './http-client.js';

/** The manager's default cookie name. */
export const COOKIE = 'fmsid';

export function sessionCookie(setCookies: SetCookie[]): SetCookie | undefined {
  const matching = setCookies.filter((c) => c.name === COOKIE);
  // One Set-Cookie per response for the session cookie: two would race in the browser.
  expect(matching.length).toBeLessThanOrEqual(1);
  return matching[0];
}

export function isClearing(cookie: SetCookie): boolean {
  if (cookie.attributes.get('max-age') === '0') return true;
  const expires = cookie.attributes.get('expires');
  return expires !== undefined && Date.parse(expires) <= Date.now();
}

/** A client with one session cookie, kept by hand from Set-Cookie headers. */
export class Client {
  /** The `name=value` pair to send, as a browser would. */
  cookie: string | undefined;

  constructor(readonly url: string) {}

  get(path: string, options: CallOptions = {}) {
    return this.send('GET', path, options);
  }

  post(path: string, options: CallOptions = {}) {
    return this.send('POST', path, options);
  }

  private async send(method: string, path: string, options: CallOptions) {
    const explicit = options.cookie !== undefined;
    const reply = await call(this.url, method, path, {
      ...options,
      cookie: explicit ? options.cookie : this.cookie,
    });
    // Only a request made with the jar's own cookie updates the jar.
    if (!explicit) {
      const set = sessionCookie(reply.setCookies);
      if (set) this.cookie = isClearing(set) ? undefined : `${set.name}=${set.value}`;
    }
    return reply;
  }
}
