import cluster from 'node:cluster';
import { config } from './config.js';
import { choosePort } from './port.js';
import { secretProblem } from './secret.js';
import { selfTest } from './self-test.js';

function waitForListening(count) {
  return new Promise((resolve) => {
    let listening = 0;
    cluster.on('listening', () => {
      if (++listening === count) resolve();
    });
  });
}

function stopWorkers(signal) {
  const alive = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
  return Promise.all(
    alive.map(
      (worker) =>
        new Promise((resolve) => {
          worker.once('exit', resolve);
          worker.kill(signal);
          // A worker stuck on a request gets 5 s, then SIGKILL.
          setTimeout(() => worker.process.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

export async function runPrimary() {
  const problem = secretProblem(config.secret);
  if (problem) {
    console.error(`SESSION_SECRET is not usable: ${problem}`);
    process.exitCode = 1;
    return;
  }
  const port = await choosePort(config.port);
  if (config.usingDemoSecret) {
    console.log('using the built-in DEMO secret (set SESSION_SECRET for anything real)');
  }
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); stopping`);
    shutdown('SIGTERM', 1);
  });
  const shutdown = async (signal, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    await stopWorkers(signal);
    process.exit(exitCode);
  };
  const onSignal = (name) => {
    console.log(`\n${name}: stopping the workers`);
    shutdown('SIGTERM');
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const ready = waitForListening(config.workers);
  for (let i = 0; i < config.workers; i++) cluster.fork({ DEMO_PORT: String(port) });
  await ready;

  const url = `http://127.0.0.1:${port}`;
  console.log(`fastmmap cluster demo: ${config.workers} workers (pids ${workerPids()}) at ${url}`);
  console.log(`self-test, ${config.selfTestRequests} requests with one session cookie:`);
  let passed = false;
  try {
    passed = await selfTest(url, config.selfTestRequests);
  } catch (err) {
    console.error(`self-test failed: ${err.message}`);
  }
  if (config.exitAfterSelfTest) return shutdown('SIGTERM', passed ? 0 : 1);
  console.log(`open ${url} and reload, 5 s apart to see both workers; Ctrl-C stops.`);
}

function workerPids() {
  return Object.values(cluster.workers ?? {})
    .map((w) => w?.process.pid)
    .join(', ');
}
