// Compiled by types.test.ts (tsc --noEmit): what an app written against the typings sees.
import { type SessionMiddleware, session } from '@fastmmap/koa';
import { KoaSessionStore } from '@fastmmap/koa/store';
import Koa from 'koa';
import koaSession from 'koa-session';

declare module '@fastmmap/session-core' {
  interface SessionData {
    views?: number;
  }
}

const middleware: SessionMiddleware = session({ secret: 'a-secret-of-at-least-32-characters!!' });
const app = new Koa();
app.use(middleware);
app.use(async (ctx) => {
  ctx.session.data.views = (ctx.session.data.views ?? 0) + 1;
  const id: string = ctx.session.id;
  // @ts-expect-error views is a number
  ctx.session.data.views = 'many';
  // koa-session style: the same SessionData keys on ctx.session itself, and callbacks.
  ctx.session.views = (ctx.session.views ?? 0) + 1;
  // @ts-expect-error views is a number
  ctx.session.views = 'many';
  // @ts-expect-error not declared in SessionData
  ctx.session.nope = 1;
  const count: number = ctx.session.length;
  ctx.session.regenerate((err) => void err);
  await ctx.session.save();
  void count;
  if (ctx.path === '/logout') {
    // koa-session's logout: destroys the session; reads are still the Session.
    ctx.session = null;
    const destroyed: boolean = ctx.session.destroyed;
    void destroyed;
    ctx.session = undefined;
    // @ts-expect-error data goes on ctx.session.data
    ctx.session = { views: 1 };
  }
  ctx.body = { id };
});
void middleware.close();

// The koa-session store fits koa-session's own option type.
const other = new Koa();
other.use(koaSession({ store: new KoaSessionStore({ appName: 'my-app' }) }, other));

// An app with a context type of its own still has ctx.session typed.
const custom = new Koa<{ user?: string }, { db: { ready: boolean } }>();
custom.use((ctx) => {
  const ready: boolean = ctx.db.ready;
  const views: number | undefined = ctx.session.data.views;
  // @ts-expect-error views is a number
  ctx.session.data.views = 'many';
  ctx.body = { ready, views };
});
