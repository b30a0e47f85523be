import { fastifySession, type Store } from '@fastmmap/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
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
  logger?: boolean;
}

export async function buildApp({
  secret,
  store,
  logger = false,
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger });
  // HTML forms post application/x-www-form-urlencoded; Fastify parses only JSON by itself.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  // SameSite=Lax already keeps other sites' POSTs cookie-less; refusing a foreign Origin is
  // the cheap second line of defence against CSRF.
  app.addHook('onRequest', async (request, reply) => {
    const { origin, host } = request.headers;
    if (isCrossOriginWrite(request.method, origin, host)) {
      return reply.code(403).send('cross-site request refused');
    }
  });
  await app.register(fastifySession, { secret, store });

  app.get('/', async (request, reply) => {
    const { data } = request.session;
    data.views = (data.views ?? 0) + 1;
    const messages = request.session.flashes('info') as string[];
    return reply
      .type('text/html')
      .send(renderPage({ user: data.user, views: data.views, messages }));
  });

  // 10 kB, as the other examples, for every body the route parses (a JSON one too): a login is
  // small, and a bigger name (Fastify's own limit is 1 MiB) would not fit a session: a 413
  // rather than a 500 at the commit.
  app.post<{ Body: { username?: unknown; remember?: unknown } }>(
    '/login',
    { bodyLimit: 10 * 1024 },
    async (request, reply) => {
      // A JSON body may hold anything: a name that is no string is no name.
      const name = request.body?.username;
      const username = typeof name === 'string' ? name.trim() : '';
      if (!username) {
        request.session.flash('info', 'Please enter a name.');
        return reply.redirect('/', 303);
      }
      // A new id whenever the privilege changes: a planted cookie cannot ride the login. As
      // @fastify/session's, regenerate keeps only the keys it is given: all of them here.
      await request.session.regenerate(Object.keys(request.session.data));
      request.session.data.user = username;
      // "Remember me": a cookie and a session that last 30 days; else until the browser closes.
      request.session.maxAge = request.body?.remember === 'on' ? 30 * 86_400_000 : null;
      request.session.flash('info', `Welcome, ${username}!`);
      return reply.redirect('/', 303);
    },
  );

  app.post('/logout', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/', 303);
  });

  return app;
}
