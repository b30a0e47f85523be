import type { Store } from '@fastmmap/session-core';
import type { ChildMessage, ParentMessage } from './protocol.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * The body of a cross-process conformance child. Call it from the `childModule` file:
 *
 *   import { runConformanceChild } from '@fastmmap/store-test-suite/child';
 *   import { FastMmapStore } from '@fastmmap/session-core';
 *   runConformanceChild((args) => new FastMmapStore({ storage: args[0] }));
 *
 * `args` are the `childArgs` the suite computed for the parent's store. The child opens the
 * store, reports ready, performs the increments it is told to through `getAndSet`, and exits.
 */
export function runConformanceChild(
  factory: (args: string[]) => Store<object> | Promise<Store<object>>,
): void {
  if (process.send === undefined) {
    throw new Error('runConformanceChild must run in a process forked by the conformance suite');
  }
  let store: Store | undefined;
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'increment' || store === undefined) return;
    void (async () => {
      for (let i = 0; i < message.count; i++) {
        await store.getAndSet(
          message.id,
          (current) => ({ n: (typeof current?.n === 'number' ? current.n : 0) + 1 }),
          message.ttlMs,
        );
      }
      await store.close();
      send({ type: 'done', count: message.count });
      process.disconnect();
    })().catch(fail);
  });
  const fail = (err: unknown) => {
    const e = err as { message?: string; code?: string };
    send({ type: 'error', message: String(e?.message ?? err), code: e?.code });
    process.exitCode = 1;
    process.disconnect();
  };
  Promise.resolve()
    .then(() => factory(process.argv.slice(2)))
    .then((opened) => {
      store = opened as Store; // plain objects in any store, as in describe.ts
      send({ type: 'ready' });
    }, fail);
}
