import { createServer, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cookieHeader } from '../src/cookie-header.js';
import { closeServer, listen } from './helpers/http-server.js';

function bareRequest(): IncomingMessage {
  return new IncomingMessage(new Socket());
}

describe('cookieHeader', () => {
  it('reads the Cookie header of a real request, re-prototyped as Express does', async () => {
    const seen: (string | undefined)[] = [];
    const appRequest = Object.create(IncomingMessage.prototype) as object;
    const server = createServer((req, res) => {
      Object.setPrototypeOf(req, appRequest);
      seen.push(cookieHeader(req), req.headers.cookie);
      res.end();
    });
    server.listen(0, '127.0.0.1');
    const url = await listen(server);
    try {
      await fetch(url, { headers: { cookie: 'sid=abc; theme=dark' } });
      await fetch(url);
    } finally {
      await closeServer(server);
    }
    expect(seen).toEqual(['sid=abc; theme=dark', 'sid=abc; theme=dark', undefined, undefined]);
  });

  it('sees headers assigned or rewritten by earlier middleware', () => {
    const assigned = bareRequest();
    assigned.headers = { cookie: 'sid=assigned' };
    expect(cookieHeader(assigned)).toBe('sid=assigned');

    const rewritten = bareRequest();
    rewritten.headers.cookie = 'sid=rewritten';
    expect(cookieHeader(rewritten)).toBe('sid=rewritten');
  });

  it('reads `headers` by name when the request or its prototype defines it', () => {
    const own = bareRequest();
    Object.defineProperty(own, 'headers', { value: { cookie: 'sid=own' } });
    expect(cookieHeader(own)).toBe('sid=own');

    const proto = Object.create(IncomingMessage.prototype, {
      headers: { get: () => ({ cookie: 'sid=proto' }) },
    }) as object;
    const shadowed = bareRequest();
    Object.setPrototypeOf(shadowed, proto);
    expect(cookieHeader(shadowed)).toBe('sid=proto');
    // Checked per prototype: a plain one seen first does not vouch for another.
    expect(cookieHeader(bareRequest())).toBeUndefined();
    expect(cookieHeader(shadowed)).toBe('sid=proto');
  });

  it('reads `headers` by name on a request that is not an IncomingMessage (a test double)', () => {
    const double = { headers: { cookie: 'sid=double' } } as unknown as IncomingMessage;
    expect(cookieHeader(double)).toBe('sid=double');
    expect(cookieHeader(Object.create(null, { headers: { value: {} } }))).toBeUndefined();
  });
});
