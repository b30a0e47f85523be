import { spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1', () => {
      socket.write('PING\r\n');
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
  });
}

/**
 * A throwaway redis-server on a free loopback port, no persistence, shared by the benchmarks.
 * Returns { url, pid, version, stop }.
 */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let spawnError;
  child.once('error', (err) => {
    spawnError = err;
  });
  const notFound = () =>
    spawnError?.code === 'ENOENT'
      ? new Error('redis-server is not on PATH (install it, e.g. apt-get install redis-server)')
      : spawnError;
  for (let i = 0; i < 100; i++) {
    if (spawnError) throw notFound();
    if (await ping(port)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        pid: child.pid,
        version: await redisVersion(),
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) break;
    await delay(50);
  }
  await delay(0); // a spawn failure's 'error' event comes after the exit code is set
  if (spawnError) throw notFound();
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}`);
}

async function redisVersion() {
  const child = spawn('redis-server', ['--version']);
  child.once('error', () => {});
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return /v=(\S+)/.exec(out)?.[1] ?? 'unknown';
}
