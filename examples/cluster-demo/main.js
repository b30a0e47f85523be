// The cluster demo: one primary, two Express workers, one shared session store (a
// memory-mapped file at the default path: nothing to configure, no server to run).
//
//   PORT=3000 SESSION_SECRET=... node examples/cluster-demo/main.js
import cluster from 'node:cluster';
import { runPrimary } from './src/primary.js';
import { runWorker } from './src/worker.js';

if (cluster.isPrimary) await runPrimary();
else await runWorker();
