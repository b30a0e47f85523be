import { session } from '@fastmmap/express';
import express from 'express';
import { config } from './config.js';

/** One Express worker. Its sessions live in the file every worker maps: nothing sticky. */
export async function runWorker() {
  // No store option: the embedded FastMmapStore at the default path, shared by all workers.
  const sessions = session({ secret: config.secret });
  const app = express();
  app.use(sessions);

  app.get('/visit.json', (req, res) => {
    const data = req.session.data;
    data.visits = (data.visits ?? 0) + 1;
    res.json({ worker: process.pid, visits: data.visits });
  });

  app.get('/', (req, res) => {
    const data = req.session.data;
    data.visits = (data.visits ?? 0) + 1;
    res.type('html').send(
      `<!doctype html><title>fastmmap cluster demo</title>
<h1>Visit ${data.visits}</h1>
<p>Answered by worker <b>${process.pid}</b>. A browser keeps its connection open, so quick
reloads stay with this worker; wait 5 seconds (Node closes an idle connection) and reload: the
other worker may answer, and the count goes on, because every worker reads the same
memory-mapped session file.</p>`,
    );
  });

  // A session store error (say, a cache file left by another version) is logged here with its
  // code; the client gets a plain 500.
  app.use((err, _req, res, _next) => {
    console.error(`worker ${process.pid}: ${err.code ?? err.name}: ${err.message}`);
    res.status(500).type('text').send('Internal Server Error');
  });

  const server = app.listen(Number(process.env.DEMO_PORT), '127.0.0.1');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await sessions.close();
    process.exit(0);
  };
  // Ctrl-C reaches the whole process group: workers stop cleanly by themselves too.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
