import { createServer, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { headersSent } from '../src/headers-sent.js';
import { closeServer, listen } from './helpers/http-server.js';

describe('headersSent', () => {
  it("follows Node's headersSent on a real response, before and after writeHead", async () => {
    const seen: boolean[][] = [];
    const server = createServer((_req, res) => {
      seen.push([headersSent(res), res.headersSent]);
      res.writeHead(204);
      seen.push([headersSent(res), res.headersSent]);
      res.end();
    });
    server.listen(0, '127.0.0.1');
    const url = await listen(server);
    try {
      expect((await fetch(url)).status).toBe(204);
    } finally {
      await closeServer(server);
    }
    expect(seen).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it('asks the getter when the response has no _header (another Node)', () => {
    const sent = { headersSent: true } as unknown as ServerResponse;
    const unsent = { headersSent: false } as unknown as ServerResponse;
    expect(headersSent(sent)).toBe(true);
    expect(headersSent(unsent)).toBe(false);
  });
});
