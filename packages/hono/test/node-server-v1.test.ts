// Over @hono/node-server 1.x, which @hono/node-ws users stay on (its peer range).
import { serve } from '@hono/node-server-v1';
import { describeOverNodeServer } from './over-node-server.js';

describeOverNodeServer('1.x', { serve });
