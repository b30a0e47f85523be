import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { FastMmapStore } from '@fastmmap/fastify';
import { runPrimary, workerCount } from '../../shared/cluster.js';
import { buildApp } from './app.js';

const workers = workerCount();
// In a cluster, workers get the primary's secret in SESSION_SECRET: one warning, one secret.
const secret = process.env.SESSION_SECRET ?? randomSecret();

if (cluster.isPrimary && workers > 1) {
  // WORKERS=N: this process only starts and watches N workers, each running this script.
  runPrimary(workers, secret);
} else {
  // Every process started with the same SESSION_FILE (or none: the default path for the
  // appName) shares the sessions.
  const store = new FastMmapStore({
    appName: 'example-fastify',
    storage: process.env.SESSION_FILE,
  });
  const app = await buildApp({ secret, store, logger: process.env.LOG === '1' });

  const url = await app.listen({
    port: Number(process.env.PORT ?? 3000),
    host: process.env.HOST ?? '127.0.0.1',
  });
  // In a cluster, the primary says it once every worker listens.
  if (cluster.isPrimary) console.log(`listening on ${url}`);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      await app.close();
      // The app did not create the store, so it is ours to close.
      await store.close();
      // A cluster worker's channel to the primary would keep it alive: let go of it.
      cluster.worker?.disconnect();
    });
  }
}

function randomSecret(): string {
  console.warn(
    'SESSION_SECRET is not set: using a random one, so sessions end with this process and ' +
      'other processes cannot read them. Set SESSION_SECRET (32+ characters) to share them.',
  );
  return randomBytes(32).toString('base64url');
}
