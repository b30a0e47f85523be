// The request-header tests on @hono/node-server 1.x (node-ws users stay on it): there
// session() scans Node's rawHeaders while c.req.raw is the server's untouched light Request.
import { getRequestListener, serve } from '@hono/node-server-v1';
import { describeNodeRequestHeaders } from './node-request-header-suite.js';

describeNodeRequestHeaders('1.x', {
  serve,
  getRequestListener,
  readsFrom: 'rawHeaders',
  // Only what the server set: its Headers, or a real Request made on demand, add a key.
  headersUnbuilt: (request) =>
    Reflect.ownKeys(request)
      .map((key) => (typeof key === 'symbol' ? key.description : key))
      .join() === 'incomingKey,urlKey',
});
