import cluster from 'node:cluster';

// WORKERS=N runs N copies of an example app under node:cluster, on one port: how a Node app
// uses several cores, and a way to watch the processes share sessions (they all map the same
// session file). This file is only that process plumbing, shared by the four examples (their
// apps do not know they are clustered); copy it along with an example you take elsewhere.

/** WORKERS, 1 when unset; anything but a positive integer stops the app with a clear error. */
export function workerCount() {
  const workers = process.env.WORKERS ?? '1';
  if (!/^[1-9]\d*$/.test(workers)) {
    console.error(`WORKERS must be a positive integer (how many processes), not "${workers}"`);
    process.exit(1);
  }
  return Number(workers);
}

/** In a worker: every response names the process that answered (see it with `curl -i`). */
export function addWorkerPidHeader(server) {
  // Prepended, so it runs before the app's own listener has started any response.
  server.prependListener('request', (_req, res) => res.setHeader('X-Worker-Pid', process.pid));
}

/**
 * The cluster primary: forks `count` workers running this same script with `secret` as their
 * SESSION_SECRET (so each accepts the cookies the others sign), says where they listen once all
 * are up, replaces a worker that dies, and stops them all on SIGINT/SIGTERM. PORT=0 works as it
 * is: node:cluster gives every worker the one port that the first worker's listen(0) got.
 */
export function runPrimary(count, secret) {
  const workers = () => Object.values(cluster.workers ?? {});
  const env = { SESSION_SECRET: secret };
  const listened = new Set(); // ids of the workers that got as far as listening
  let stopping = false;

  const stop = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    const alive = workers().filter((worker) => !worker.isDead());
    await Promise.all(
      alive.map(
        (worker) =>
          new Promise((resolve) => {
            worker.once('exit', resolve);
            // The worker's own handler closes its server and the session store, then exits.
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    process.exit(exitCode);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop(0));

  cluster.on('listening', (worker, { address, port }) => {
    listened.add(worker.id);
    if (listened.size > count) return console.log(`worker ${worker.process.pid} listening`);
    if (listened.size < count) return;
    const host = address.includes(':') ? `[${address}]` : address;
    const pids = workers().map((w) => w.process.pid);
    console.log(`listening on http://${host}:${port}, ${count} workers (pids ${pids.join(', ')})`);
  });

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!listened.has(worker.id)) {
      // It never got going (a bad secret, a busy port...): a new one would fail the same way.
      console.error(`worker ${worker.process.pid} failed to start (${how}): stopping`);
      return stop(1);
    }
    const next = cluster.fork(env);
    console.error(`worker ${worker.process.pid} died (${how}): replaced by ${next.process.pid}`);
  });

  for (let i = 0; i < count; i++) cluster.fork(env);
}
