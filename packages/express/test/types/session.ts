// Compiled by types.test.ts (tsc --noEmit): what an app written against the typings sees.
import { type SessionMiddleware, session } from '@fastmmap/express';
import { FastMmapStore, MemoryStore, type SessionData, type Store } from '@fastmmap/session-core';
import express from 'express';
import passport from 'passport';

declare module '@fastmmap/session-core' {
  interface SessionData {
    views?: number;
    user?: { id: string };
    // Named like a session method: typed on req.session.data only.
    destroy?: boolean;
  }
}

const middleware: SessionMiddleware = session({ secret: 'a-secret-of-at-least-32-characters!!' });
const app = express();
app.use(middleware);
app.use(passport.session());
app.get('/', async (req, res) => {
  req.session.data.views = (req.session.data.views ?? 0) + 1;
  const id: string = req.session.id;
  await req.session.regenerate();
  await req.session.save();
  req.session.flash('info', 'hi');
  req.session.data.destroy = true;
  res.json({ id, views: req.session.data.views, user: req.session.data.user?.id });
});
// express-session style: the same SessionData keys on req.session itself, and callbacks.
app.get('/compat', (req, res, next) => {
  req.session.views = (req.session.views ?? 0) + 1;
  const user: { id: string } | undefined = req.session.user;
  delete req.session.user;
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.save((err2) => (err2 ? next(err2) : res.json({ user, views: req.session.views })));
  });
});
// connect-flash's req.flash and express-session's req.sessionID.
app.get('/flash', (req, res) => {
  req.flash('info', 'saved');
  req.flash('info', '%s of %d', 'one', 2);
  const errors: unknown[] = req.flash('error');
  const all: Record<string, unknown[]> = req.flash();
  const sid: string = req.sessionID;
  res.json({ errors, all, sid });
});
// express-session's remember me, unchanged.
app.post('/login', (req, res) => {
  if (req.body?.remember) req.session.cookie.maxAge = 30 * 86_400_000;
  else req.session.cookie.expires = false;
  const left: number | null = req.session.cookie.maxAge;
  res.json({ left, expires: req.session.cookie.expires?.toISOString() ?? null });
});
app.post('/logout', (req, res, next) => {
  req.logout((err) => (err ? next(err) : req.session.destroy(() => res.redirect('/'))));
});
app.get('/bad', async (req) => {
  // @ts-expect-error not declared in SessionData
  req.session.data.nope = 1;
  // @ts-expect-error not declared in SessionData
  req.session.nope = 1;
  // @ts-expect-error views is a number
  req.session.data.views = 'many';
  // @ts-expect-error views is a number
  req.session.views = 'many';
  // @ts-expect-error the method wins over the data key of the same name
  const flag: boolean = req.session.destroy;
  // @ts-expect-error expires is a Date, null or false
  req.session.cookie.expires = '2030-01-01';
  // @ts-expect-error with a callback there is no Promise to await
  const saved: Promise<void> = req.session.save(() => {});
  // @ts-expect-error only null or undefined can be assigned (a logout)
  req.session = { userId: 'u1' };
  req.session = null;
  void flag;
  void saved;
});
void middleware.close();

// Under exactOptionalPropertyTypes too: an option read from the environment may be undefined,
// which takes its default.
session({
  secret: 'x'.repeat(32),
  name: process.env.SESSION_COOKIE,
  cookie: { domain: process.env.COOKIE_DOMAIN },
});

// The stores' options too: an environment variable may be unset.
new MemoryStore({ maxSize: process.env.MAX_SESSION_BYTES === undefined ? undefined : 1024 });
new FastMmapStore({ appName: process.env.APP_NAME, storage: process.env.SESSION_FILE });

// A store declared with the merged SessionData (a Store author's natural choice) is taken.
const typedStore: Store<SessionData> = new MemoryStore<SessionData>();
session({ secret: 'x'.repeat(32), store: typedStore });
session({ secret: 'x'.repeat(32), store: new FastMmapStore<SessionData>() });
