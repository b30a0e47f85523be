import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastMmapError } from '../../src/cache/index.js';
import { SMALL, scratchDir } from './helpers.js';

// A record that passed its checksum holds the bytes that were written: if it does not decode,
// the reader is at fault (its stack ran out, a codec bug), not the file. Such a record used to
// be dropped as corrupt, for every process: now the reader gets ERR_FASTMMAP_DECODE and the
// record stays.
let t: ReturnType<typeof scratchDir>;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => t.cleanup());

/** A codec whose decode fails while `failing` is set. */
function flakyCodec() {
  const codec = {
    name: 'flaky',
    failing: false,
    encode: (value: string) => Buffer.from(value, 'utf8'),
    decode(bytes: Uint8Array) {
      if (codec.failing) throw new RangeError('Maximum call stack size exceeded');
      return Buffer.from(bytes).toString('utf8');
    },
  };
  return codec;
}

function expectDecodeError(run: () => unknown): void {
  let err: unknown;
  try {
    run();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FastMmapError);
  expect(err).toMatchObject({ code: 'ERR_FASTMMAP_DECODE' });
  expect((err as Error).cause).toBeInstanceOf(RangeError);
}

describe('a record that passes its checksum but does not decode', () => {
  it('is an ERR_FASTMMAP_DECODE for get, getEntry, getAndSet and getAndDelete, and is kept', () => {
    const codec = flakyCodec();
    const cache = t.open<string>({ ...SMALL, codec: codec as never });
    cache.set('k', 'kept');
    codec.failing = true;
    let called = false;
    expectDecodeError(() => cache.get('k'));
    expectDecodeError(() => cache.getEntry('k'));
    expectDecodeError(() =>
      cache.getAndSet('k', () => {
        called = true;
        return 'overwritten';
      }),
    );
    expectDecodeError(() => cache.getAndDelete('k'));
    expect(called).toBe(false); // never handed `undefined` as if the key were missing
    expect(cache.has('k')).toBe(true);
    expect([...cache.entries()]).toEqual([]); // iteration skips what it cannot decode
    codec.failing = false;
    expect(cache.get('k')).toBe('kept');
    expect(cache.stats().droppedCorruptRecords).toBe(0);
    cache.close();
  });

  it('survives a read from a caller whose stack is nearly used up, at any depth', () => {
    const cache = t.open({ ...SMALL, decodeCache: 0 });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 90; i++) deep = { d: deep, i };
    cache.set('deep', deep);
    // Read from ever deeper recursion until the stack runs out somewhere: in the decode (a
    // typed error) or around it (a RangeError of the caller's own). Either way nothing is lost.
    const outcomes = new Set<string>();
    const readAt = (depth: number): void => {
      if (depth > 0) {
        readAt(depth - 1);
        return;
      }
      try {
        cache.get('deep');
        outcomes.add('read');
      } catch (err) {
        outcomes.add(err instanceof FastMmapError ? err.code : (err as Error).name);
      }
    };
    for (let depth = 0; depth < 20_000; depth += 37) {
      try {
        readAt(depth);
      } catch {
        outcomes.add('overflow before the read');
        break;
      }
    }
    expect(outcomes.has('read')).toBe(true);
    expect(cache.get('deep')).toEqual(deep);
    expect(cache.stats().droppedCorruptRecords).toBe(0);
    cache.close();
  });
});
