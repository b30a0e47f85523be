import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardStreamBody } from '../../src/adapter.js';

/** readable-stream's shape: an emitter with pipe, but no node:stream instance. */
class UserlandStream extends EventEmitter {
  pipe(): void {}
}

describe('guardStreamBody (adapters: a stream body failing while the commit waits)', () => {
  it('listens for error on a Node or userland stream until the commit settles, either way', async () => {
    for (const settle of ['resolve', 'reject'] as const) {
      for (const body of [new PassThrough(), Readable.from(['x']), new UserlandStream()]) {
        let finish!: () => void;
        const pending = new Promise<void>((resolve, reject) => {
          finish = settle === 'resolve' ? resolve : () => reject(new Error('commit failed'));
        });
        pending.catch(() => {});
        guardStreamBody(body, pending);
        expect(body.listenerCount('error')).toBe(1);
        body.emit('error', new Error('upstream failed')); // no listener: an uncaught error
        finish();
        await pending.catch(() => {});
        expect(body.listenerCount('error')).toBe(0);
      }
    }
  });

  it('leaves anything else alone', async () => {
    const pending = Promise.resolve();
    for (const body of [undefined, null, 'text', Buffer.from('x'), { on() {}, off() {} }]) {
      expect(() => guardStreamBody(body, pending)).not.toThrow();
    }
    const web = new ReadableStream();
    guardStreamBody(web, pending); // no 'error' event: it cannot end the process
    await pending;
  });
});
