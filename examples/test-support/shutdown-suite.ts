import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp } from './app-process.js';

/** Resolves once nothing listens on `port` any more (the app's server.close() has run). */
async function notListening(port: number): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
    if (refused) return;
  }
}

/** Collects what the server sends; `until` resolves once the text so far satisfies `done`. */
function reader(socket: Socket) {
  let text = '';
  const waiters: (() => void)[] = [];
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // A server that closes with our last request unread may reset the connection: that is a
  // close too. Without a listener the reset would be an uncaught error that fails the run.
  const errors: string[] = [];
  socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
  return {
    text: () => text,
    /** Errors other than the connection's reset. */
    otherErrors: () => errors.filter((code) => code !== 'ECONNRESET' && code !== 'EPIPE'),
    closed,
    async until(done: (text: string) => boolean): Promise<void> {
      while (!done(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/**
 * SIGTERM while a request is in flight on a keep-alive connection: the request finishes and its
 * session commits; its connection then closes, takes no further request, and the app exits.
 */
export function describeShutdown(name: string, script: string): void {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fastmmap-shutdown-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe(`${name}: SIGTERM with a request in flight`, () => {
    it('answers it, then closes its connection and exits 0', async () => {
      const app = await startApp(script, {
        SESSION_SECRET: 'shutdown-test-secret-0123456789abcdef',
        SESSION_FILE: join(dir, 'sessions.fmcache'),
        TMPDIR: dir,
      });
      const { host, port } = new URL(app.url);
      const socket = connect(Number(port), '127.0.0.1');
      const from = reader(socket);
      const body = 'username=ann';
      // Expect: 100-continue: the server says when it has the request (before its body).
      socket.write(
        `POST /login HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${app.url}\r\n` +
          'Content-Type: application/x-www-form-urlencoded\r\n' +
          `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
      );
      await from.until((text) => text.includes('100 Continue'));
      const exited = app.stop();
      await notListening(Number(port));
      socket.write(body);
      await from.until((text) => /\r\n\r\n.*HTTP\/1\.1 303.*\r\n\r\n/s.test(text));
      expect(from.text()).toMatch(/set-cookie: /i);
      // Another request on that connection: the app is stopping, it must not be served.
      socket.write(`GET /api/me HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      await from.closed;
      expect(from.otherErrors()).toEqual([]);
      expect(from.text().match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 100', 'HTTP/1.1 303']);
      expect(await exited).toBe(0);
    });
  });
}
