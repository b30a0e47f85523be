// Compiled by types.test.ts (tsc --noEmit): what an app written against the typings sees.
import { type SessionMiddleware, session } from '@fastmmap/express';
import express from 'express';

declare module '@fastmmap/session-core' {
  interface SessionData {
    views?: number;
    user?: { id: string };
  }
}

const middleware: SessionMiddleware = session({ secret: 'a-secret-of-at-least-32-characters!!' });
const app = express();
app.use(middleware);
app.get('/', async (req, res) => {
  req.session.data.views = (req.session.data.views ?? 0) + 1;
  const id: string = req.session.id;
  await req.session.regenerate();
  req.session.flash('info', 'hi');
  res.json({ id, views: req.session.data.views, user: req.session.data.user?.id });
});
app.get('/bad', (req) => {
  // @ts-expect-error not declared in SessionData
  req.session.data.nope = 1;
  // @ts-expect-error views is a number
  req.session.data.views = 'many';
});
void middleware.close();
