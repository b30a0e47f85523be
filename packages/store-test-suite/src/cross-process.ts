import { type ChildProcess, fork } from 'node:child_process';
import type { ChildMessage, ParentMessage } from './protocol.js';

export interface CrossProcessRun {
  childModule: string;
  childArgs: string[];
  processes: number;
  increments: number;
  id: string;
  ttlMs: number;
}

function waitFor(child: ChildProcess, type: ChildMessage['type']): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'error') {
        cleanup();
        reject(new Error(`conformance child failed: ${message.code ?? ''} ${message.message}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(
        new Error(`conformance child exited (code ${code}, signal ${signal}) before "${type}"`),
      );
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/**
 * Starts the children, waits until every one has opened its store, then releases them at
 * once so their getAndSet calls really overlap; resolves when all have finished.
 */
export async function runCrossProcessIncrements(run: CrossProcessRun): Promise<void> {
  const children = Array.from({ length: run.processes }, () =>
    fork(run.childModule, run.childArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    await Promise.all(children.map((child) => waitFor(child, 'ready')));
    const done = children.map((child) => waitFor(child, 'done'));
    const go: ParentMessage = {
      type: 'increment',
      id: run.id,
      count: run.increments,
      ttlMs: run.ttlMs,
    };
    for (const child of children) child.send(go);
    await Promise.all(done);
  } finally {
    for (const child of children) {
      if (child.connected) child.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
  }
}
