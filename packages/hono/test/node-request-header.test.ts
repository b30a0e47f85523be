// The request-header tests on @hono/node-server 2.x, what npm installs today: its
// c.req.header() answers from Node's parsed headers without building a Web Headers, so
// session() asks it (node-request-header-v1.test.ts has 1.x).
import type { IncomingMessage } from 'node:http';
import { getRequestListener, serve } from '@hono/node-server';
import { expect, it } from 'vitest';
import {
  describeNodeRequestHeaders,
  type NodeServerUnderTest,
  rawGet,
  sessionPair,
  start,
} from './node-request-header-suite.js';

const node: NodeServerUnderTest = { serve, getRequestListener, readsFrom: 'headers' };

describeNodeRequestHeaders('2.x', node);

it('on 2.x, session() builds no Headers: the rawHeaders they are built from stay unread', async () => {
  const reads: number[] = [];
  const { port, stop } = await start(node, (fetch) => async (request, env) => {
    const incoming = (env as { incoming: IncomingMessage }).incoming;
    const raw = incoming.rawHeaders;
    let count = 0;
    Object.defineProperty(incoming, 'rawHeaders', {
      get: () => {
        count++;
        return raw;
      },
    });
    const response = await fetch(request, env);
    reads.push(count);
    return response;
  });
  try {
    const cookie = sessionPair((await rawGet(port, 'X-Forwarded-Proto: https\r\n')).head)!;
    expect((await rawGet(port, `Cookie: ${cookie}\r\n`)).body).toBe('{"count":2}');
    expect(reads).toEqual([0, 0]);
  } finally {
    await stop();
  }
});
