import { type ChildProcess, fork } from 'node:child_process';

function waitFor(child: ChildProcess, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === 'error') reject(new Error(`child failed: ${m.message}`));
      else if (m.type === type) resolve();
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before "${type}"`)));
  });
}

/**
 * Forks one real process per argv list, waits until all are ready, then says "go" to all at
 * once so their work overlaps; resolves when every child reported done. A child that sends
 * `{ type: 'barrier' }` gets 'pass' once every child has sent one: it lines the children's
 * steps up, so an overlap the test needs does not depend on timing.
 */
export async function runTogether(module: string, argvs: string[][]): Promise<void> {
  const children = argvs.map((argv) =>
    fork(module, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  let arrived = 0;
  for (const c of children) {
    c.on('message', (m: { type?: string }) => {
      if (m.type !== 'barrier' || ++arrived < children.length) return;
      arrived = 0;
      for (const other of children) other.send('pass');
    });
  }
  try {
    await Promise.all(children.map((c) => waitFor(c, 'ready')));
    const done = children.map((c) => waitFor(c, 'done'));
    for (const c of children) c.send('go');
    await Promise.all(done);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
  }
}
