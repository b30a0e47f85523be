import cluster from 'node:cluster';

/** What a test cluster's primary prints on stdout, one JSON object per line. */
export type ClusterEvent =
  | { listening: number; port: number }
  | { died: number; signal: string | number | null };

const report = (event: ClusterEvent): void => {
  console.log(JSON.stringify(event));
};

/**
 * The primary of a test cluster, as production runs one: it forks `workers` copies of the
 * running script and forks a replacement whenever one dies, until SIGTERM, which stops every
 * worker and then exits 0. Has no vitest import, so fixture scripts can load it.
 */
export function runClusterPrimary(workers = 2): void {
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (worker, address) => {
    report({ listening: worker.process.pid ?? 0, port: address.port });
  });
  cluster.on('exit', (worker, code, signal) => {
    report({ died: worker.process.pid ?? 0, signal: signal ?? code });
    if (!stopping) cluster.fork();
  });
  process.on('SIGTERM', () => {
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    for (const w of alive) w.kill('SIGTERM');
    Promise.all(alive.map((w) => new Promise((r) => (w.isDead() ? r(0) : w.once('exit', r))))).then(
      () => process.exit(0),
    );
  });
}
