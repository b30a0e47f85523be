import { createServer } from 'node:net';

function tryListen(port) {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, () => {
      const { port: bound } = probe.address();
      probe.close(() => resolve(bound));
    });
  });
}

/** The wanted port if it is free, else a free one the OS picks. */
export async function choosePort(wanted) {
  try {
    return await tryListen(wanted);
  } catch (err) {
    if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
    const free = await tryListen(0);
    console.log(`port ${wanted} is busy; using ${free} instead`);
    return free;
  }
}
