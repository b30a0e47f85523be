import { createServer, type ServerResponse } from 'node:http';
import { connect, createServer as createHttp2Server, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { holdResponse, restoreResponse } from '../src/held-response.js';
import { closeServer, listen } from './helpers/http-server.js';

/** What a second answer does while the first waits for its commit: status and header changed. */
function holdThenRestore(res: ServerResponse): void {
  res.statusCode = 201;
  res.setHeader('x-first', 'yes');
  const held = holdResponse(res);
  res.statusCode = 500;
  res.setHeader('x-second', 'yes');
  restoreResponse(res, held);
  res.end();
}

describe('holdResponse / restoreResponse', () => {
  it('puts back the status, reason phrase and headers of an HTTP/1.1 response', async () => {
    const server = createServer((_req, res) => {
      res.statusMessage = 'Made';
      holdThenRestore(res);
    });
    server.listen(0, '127.0.0.1');
    const url = await listen(server);
    try {
      const response = await fetch(url);
      expect([response.status, response.statusText]).toEqual([201, 'Made']);
      expect(response.headers.get('x-first')).toBe('yes');
      expect(response.headers.get('x-second')).toBeNull();
    } finally {
      await closeServer(server);
    }
  });

  it('leaves the statusMessage of an HTTP/2 response alone (Node warns on any use of it)', async () => {
    let statusMessageUses = 0;
    const server = createHttp2Server((_req, res) => {
      // Node's getter and setter warn only once per process: count the uses instead.
      Object.defineProperty(res, 'statusMessage', {
        get: () => {
          statusMessageUses++;
          return '';
        },
        set: () => {
          statusMessageUses++;
        },
      });
      holdThenRestore(res as unknown as ServerResponse & Http2ServerResponse);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = connect(`http://127.0.0.1:${port}`);
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = client.request({ ':path': '/' });
        stream.on('response', resolve).on('error', reject).resume();
        stream.end();
      });
      expect(headers[':status']).toBe(201);
      expect(headers['x-first']).toBe('yes');
      expect(headers['x-second']).toBeUndefined();
      expect(statusMessageUses).toBe(0);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
