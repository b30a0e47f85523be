// Compiled by types.test.ts (tsc --noEmit): what an app written against the typings sees.
import { fastifySession } from '@fastmmap/fastify';
import { FastifySessionStore } from '@fastmmap/fastify/store';
import { MemoryStore, type SessionData } from '@fastmmap/session-core';
import Fastify from 'fastify';

declare module '@fastmmap/session-core' {
  interface SessionData {
    user?: { id: string };
    views?: number;
    // Named like a session member: typed on request.session.data only.
    save?: boolean;
  }
}

const app = Fastify();
await app.register(fastifySession, { secret: 'a-secret-of-at-least-32-characters!!' });
app.get('/', async (request) => {
  // @fastify/session style: data keys on request.session itself, get/set, callbacks.
  request.session.views = (request.session.views ?? 0) + 1;
  request.session.set('user', { id: 'u1' });
  const user: { id: string } | undefined = request.session.get('user');
  const sid: string = request.session.sessionId;
  request.session.regenerate(['user'], (err) => void err);
  await request.session.regenerate();
  request.session.options({ maxAge: 86_400_000 });
  request.session.data.save = true;
  return { user, sid, views: request.session.data.views };
});
app.get('/bad', async (request) => {
  // @ts-expect-error not declared in SessionData
  request.session.nope = 1;
  // @ts-expect-error views is a number
  request.session.views = 'many';
  // @ts-expect-error the method wins over the data key of the same name
  const flag: boolean = request.session.save;
  // @ts-expect-error only maxAge is per session
  request.session.options({ path: '/' });
  // @ts-expect-error only null or undefined can be assigned (a logout)
  request.session = { user: { id: 'u1' } };
  request.session = null;
  void flag;
});

// A store declared with the merged SessionData is taken by session() and the drop-in store.
await Fastify().register(fastifySession, {
  secret: 'a-secret-of-at-least-32-characters!!',
  store: new MemoryStore<SessionData>(),
});
new FastifySessionStore({ store: new MemoryStore<SessionData>() });
