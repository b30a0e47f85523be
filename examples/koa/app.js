import { session } from '@fastmmap/koa';
import Koa from 'koa';
import { page } from './html.js';
import { refuseCrossOrigin } from './same-origin.js';

async function readForm(ctx) {
  let text = '';
  for await (const chunk of ctx.req) {
    text += chunk;
    if (text.length > 10_000) ctx.throw(413);
  }
  return new URLSearchParams(text);
}

/** Route table: `METHOD path` -> handler. A router package would do the same. */
const routes = {
  'GET /': (ctx) => {
    const { user, count = 0 } = ctx.session.data;
    ctx.type = 'html';
    ctx.body = page({ user, count, messages: ctx.session.flashes('info') });
  },
  'GET /api/me': (ctx) => {
    const { user = null, count = 0 } = ctx.session.data;
    ctx.body = { user, count };
  },
  'POST /login': async (ctx) => {
    const form = await readForm(ctx);
    const username = (form.get('username') ?? '').trim();
    if (!username) {
      ctx.session.flash('info', 'Please enter a name.');
    } else {
      // A new id at every privilege change: an id planted before login is worthless after it.
      await ctx.session.regenerate();
      ctx.session.data.user = username;
      // "Remember me": a cookie and a session that last 30 days; else until the browser closes.
      ctx.session.maxAge = form.get('remember') === 'on' ? 30 * 86_400_000 : null;
      ctx.session.flash('info', `Welcome, ${username}!`);
    }
    ctx.status = 303;
    ctx.redirect('/');
  },
  'POST /logout': async (ctx) => {
    await ctx.session.destroy();
    ctx.status = 303;
    ctx.redirect('/');
  },
  'POST /count': (ctx) => {
    ctx.session.data.count = (ctx.session.data.count ?? 0) + 1;
    ctx.status = 303;
    ctx.redirect('/');
  },
};

/**
 * The app: login, logout, a counter and flash messages. With no `store` option, sessions
 * live in the embedded memory-mapped store, shared by every process of this app on the host.
 */
export function createApp({ secret, store } = {}) {
  const sessions = session({ secret, store });
  const app = new Koa();
  // SameSite=Lax already keeps other sites' POSTs cookie-less; refusing a foreign Origin is
  // the cheap second line of defence against CSRF.
  app.use(refuseCrossOrigin);
  app.use(sessions);
  app.use(async (ctx) => {
    const route = routes[`${ctx.method} ${ctx.path}`];
    if (route) await route(ctx);
  });
  return { app, close: () => sessions.close() };
}
