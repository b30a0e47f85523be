// A stream payload that fails while an asynchronous store is still committing in onSend:
// Fastify listens to the stream only once the onSend hooks are done.
import { describeStreamBodies } from '@fastmmap/adapter-test-suite';
import { fastifySession } from '@fastmmap/fastify';
import Fastify from 'fastify';

const secret = 'fastify-stream-payload-secret-0123456789abcdef';

describeStreamBodies(
  '@fastmmap/fastify',
  async (store, body) => {
    const app = Fastify();
    const reported: unknown[] = [];
    app.addHook('onError', async (_request, _reply, err) => {
      reported.push(err);
    });
    await app.register(fastifySession, { secret, store });
    app.get('/get', (request) => request.session.data);
    app.get('/', (request, reply) => {
      (request.session.data as Record<string, unknown>).streamed = true;
      reply.type('text/plain');
      return reply.send(body());
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, reported, close: () => app.close() };
  },
  { failedStatus: 500 },
);
