import { type SessionMiddleware, type SessionVariables, type Store, session } from '@fastmmap/hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { renderPage } from './page.js';
import { isCrossOriginWrite } from './same-origin.js';

// Session data is typed once, for the whole app, by declaration merging.
declare module '@fastmmap/session-core' {
  interface SessionData {
    user?: string;
    views?: number;
  }
}

export interface AppOptions {
  secret: string | string[];
  store: Store;
}

export function buildApp({ secret, store }: AppOptions): {
  app: Hono<{ Variables: SessionVariables }>;
  sessions: SessionMiddleware;
} {
  const sessions = session({ secret, store });
  const app = new Hono<{ Variables: SessionVariables }>();
  // SameSite=Lax already keeps other sites' POSTs cookie-less; refusing a foreign Origin is
  // the cheap second line of defence against CSRF. Not hono/csrf: it also refuses a POST
  // with no Origin at all, which is what curl and other non-browser clients send.
  app.use(async (c, next) => {
    if (isCrossOriginWrite(c.req.method, c.req.header('origin'), c.req.header('host'))) {
      return c.text('cross-site request refused', 403);
    }
    await next();
  });
  app.use(sessions);

  app.get('/', (c) => {
    const s = c.get('session');
    s.data.views = (s.data.views ?? 0) + 1;
    const messages = s.flashes('info') as string[];
    return c.html(renderPage({ user: s.data.user, views: s.data.views, messages }));
  });

  // 10 kB, as the other examples: parseBody has no limit, and a bigger name would not fit a
  // session: a 413 rather than a 500 at the commit.
  app.post('/login', bodyLimit({ maxSize: 10 * 1024 }), async (c) => {
    const s = c.get('session');
    const form = await c.req.parseBody();
    const username = typeof form.username === 'string' ? form.username.trim() : '';
    if (!username) {
      s.flash('info', 'Please enter a name.');
      return c.redirect('/', 303);
    }
    // A new id whenever the privilege changes: a planted cookie cannot ride the login.
    await s.regenerate();
    s.data.user = username;
    // "Remember me": a cookie and a session that last 30 days; else until the browser closes.
    s.maxAge = form.remember === 'on' ? 30 * 86_400_000 : null;
    s.flash('info', `Welcome, ${username}!`);
    return c.redirect('/', 303);
  });

  app.post('/logout', async (c) => {
    await c.get('session').destroy();
    return c.redirect('/', 303);
  });

  app.onError((err, c) => {
    // Deliberate HTTP errors (HTTPException, thrown by Hono or a middleware) keep their response.
    if (err instanceof HTTPException) return err.getResponse();
    console.error(err);
    return c.text('Internal Server Error', 500);
  });

  return { app, sessions };
}
