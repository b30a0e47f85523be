// Over @hono/node-server 2.x, what npm installs today (node-server-v1.test.ts has 1.x).
import { serve } from '@hono/node-server';
import { describeOverNodeServer } from './over-node-server.js';

describeOverNodeServer('2.x', { serve });
