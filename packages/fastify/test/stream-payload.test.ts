// A stream payload that fails while an asynchronous store is still committing in onSend:
// Fastify listens to the stream only once the onSend hooks are done.
import { PassThrough } from 'node:stream';
import { GatedStore } from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const secret = 'fastify-stream-payload-secret-0123456789abcdef';
type Data = Record<string, unknown>;
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function build(store: GatedStore, fail: boolean) {
  const app = Fastify();
  apps.push(app);
  await app.register(fastifySession, { secret, store });
  app.get('/', (request, reply) => {
    (request.session.data as Data).n = 1;
    const body = new PassThrough();
    if (fail) {
      // The stream fails (a missing file, a broken upstream) while the commit waits. (Not
      // events.once() for 'close': it would listen for 'error' itself.)
      store.beforeWrite = () => {
        body.destroy(new Error('upstream failed'));
        return new Promise((resolve) => body.on('close', resolve));
      };
    } else {
      body.end('streamed body');
    }
    reply.type('text/plain');
    return reply.send(body);
  });
  return app;
}

describe('@fastmmap/fastify stream payloads and an asynchronous commit', () => {
  it("a stream that fails during the commit gets Fastify's 500, not an uncaught error", async () => {
    const app = await build(new GatedStore(), true);
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ message: 'upstream failed' });
  });

  it('a stream that works is sent whole after an asynchronous commit, with the cookie', async () => {
    const store = new GatedStore();
    store.beforeWrite = () => new Promise((resolve) => setTimeout(resolve, 20));
    const app = await build(store, false);
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('streamed body');
    expect(res.headers['set-cookie']).toMatch(/^fmsid=/);
  });
});
