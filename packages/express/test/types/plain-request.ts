// Compiled by types.test.ts: the README's typing of `socket.request.session` (a plain Node
// request, as socket.io's engine.use hands it) next to Express's own `req.session`.
import type { IncomingMessage } from 'node:http';
import { type ExpressSession, session } from '@fastmmap/express';
import express from 'express';

declare module '@fastmmap/session-core' {
  interface SessionData {
    mark?: number;
  }
}

// The accessor pair of Express's req.session: a plain property would fail Express's types (TS2320).
declare module 'node:http' {
  interface IncomingMessage {
    get session(): ExpressSession;
    set session(value: null | undefined);
  }
}

const sessions = session({ secret: 'a-secret-of-at-least-32-characters!!' });
const app = express();
app.use(sessions);
app.get('/', (req, res) => {
  req.session.data.mark = 1;
  res.end();
});

export async function onSocketMessage(request: IncomingMessage): Promise<number | undefined> {
  await request.session.reload();
  request.session.data.mark = 2;
  await request.session.save();
  request.session = null;
  return request.session.data.mark;
}
