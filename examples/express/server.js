import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { FastMmapStore } from '@fastmmap/session-core';
import { addWorkerPidHeader, runPrimary, workerCount } from '../shared/cluster.js';
import { closeGracefully } from '../shared/shutdown.js';
import { createApp } from './app.js';

const workers = workerCount();
// In a cluster, workers get the primary's secret in SESSION_SECRET: one warning, one secret.
const secret = process.env.SESSION_SECRET ?? randomSecret();

if (cluster.isPrimary && workers > 1) {
  // WORKERS=N: this process only starts and watches N workers, each running this script.
  runPrimary(workers, secret);
} else {
  // Every process started with the same SESSION_FILE (or none: the default path for the
  // appName) shares the sessions; another app keeps its own file.
  const store = new FastMmapStore({
    appName: 'example-express',
    storage: process.env.SESSION_FILE,
  });
  const { app, close } = createApp({ secret, store });
  const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (error) => {
    // Express 5 hands a listen error (a busy port) to this callback instead of throwing it:
    // ignored, one process died of a TypeError and a cluster worker hung without listening.
    if (error) throw error;
    // In a cluster, the primary says it once every worker listens.
    if (cluster.isPrimary) console.log(`listening on http://127.0.0.1:${server.address().port}`);
  });
  if (cluster.isWorker) addWorkerPidHeader(server);

  // The app did not create the store, so it is ours to close, after the app's own.
  closeGracefully(server, () => close().then(() => store.close()));
}

// Never a fixed fallback: anyone who reads a secret in the source can forge session cookies.
function randomSecret() {
  console.warn(
    'SESSION_SECRET is not set: using a random one, so sessions end with this process and ' +
      'other processes cannot read them. Set SESSION_SECRET (32+ characters) to share them.',
  );
  return randomBytes(32).toString('base64url');
}
