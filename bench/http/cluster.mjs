// What every bench:http server shares: a node:cluster primary with two workers that prints
// {"port":n} once both listen, and the optional session profile (BENCH_SESSION_BYTES).
import cluster from 'node:cluster';

const WORKERS = 2;

/**
 * In the primary, forks the workers; in a worker, runs `startWorker()`, which builds the app
 * and listens on port 0 of 127.0.0.1 (the workers share the primary's port).
 */
export async function runCluster(startWorker) {
  if (cluster.isPrimary) {
    let listening = 0;
    cluster.on('listening', (_w, address) => {
      if (++listening === WORKERS) console.log(JSON.stringify({ port: address.port }));
    });
    for (let i = 0; i < WORKERS; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers)) w.kill('SIGTERM');
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers).length === 0) process.exit(0);
      });
    });
  } else {
    await startWorker();
    process.on('SIGTERM', () => process.exit(0));
  }
}

/**
 * What a logged-in user's session might hold besides the counter (BENCH_SESSION_BYTES: about
 * that many bytes of JSON; 0, the default, adds nothing): a user, a CSRF secret, preferences
 * and a cart that grows to the size.
 */
export function sessionProfile(bytes = Number(process.env.BENCH_SESSION_BYTES ?? 0)) {
  if (!(bytes > 0)) return undefined;
  const profile = {
    user: { id: 48213, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['editor'] },
    csrfSecret: 'b1946ac92492d2347c6235b4d2611184',
    prefs: { theme: 'dark', locale: 'en-GB', pageSize: 50 },
    cart: [],
  };
  for (let i = 0; JSON.stringify(profile).length < bytes; i++) {
    profile.cart.push({ sku: `SKU-${100000 + i}`, qty: (i % 3) + 1, price: 1999 + i * 7 });
  }
  return profile;
}

/** The counter app's step, on a session's data as a plain object. */
export function increment(data, profile) {
  // Stored once, when the session is made (as at a login), then only carried along.
  if (data.count === undefined && profile !== undefined) data.profile = profile;
  data.count = (data.count ?? 0) + 1;
  return data.count;
}

export const secret = 'http-bench-secret-0123456789-abcdefghijklmnopqrstuv';
