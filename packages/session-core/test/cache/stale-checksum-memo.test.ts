import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FastMmapCache } from '../../src/cache/index.js';
import { requireBuiltDist, scratchDir } from './helpers.js';

// Each process remembers which records it has verified (offset and checksum word), so a record
// is hashed once per version, not once per read. Bytes written over a record behind the
// library's back after that (garbage from another writer of the file) are not seen by the
// checksum: a process that had read the record kept trusting it, and every read, getAndSet and
// getAndDelete of that key failed with ERR_FASTMMAP_DECODE until it restarted (a permanent 500
// for one user on one worker), while a fresh process dropped the record and went on. A record
// that fails to decode is now checked again in full, and dropped by every process alike.
const holderScript = fileURLToPath(new URL('./fixtures/memo-holder.mjs', import.meta.url));
const KEYS = ['memo:read-me', 'memo:update-me', 'memo:take-me'];
const UNSEEN = 'memo:never-read-here';

let t: ReturnType<typeof scratchDir>;
let holder: ChildProcess | undefined;
requireBuiltDist();
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => {
  holder?.kill();
  holder = undefined;
  t.cleanup();
});

/** The next message of `type` from the holder (a child that fails or exits rejects). */
function reply<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string } & T) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`holder exited with ${code} before "${type}"`)));
  });
}

/** Writes 0xff over the first bytes of `key`'s value in the file: CBOR that cannot decode. */
function garbleValue(path: string, key: string): void {
  const bytes = readFileSync(path);
  const at = bytes.indexOf(key);
  expect(at).toBeGreaterThan(0);
  expect(bytes.indexOf(key, at + 1)).toBe(-1); // one record of it: the one found
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(4, 0xff), 0, 4, at + Buffer.byteLength(key));
  } finally {
    closeSync(fd);
  }
}

interface Outcome {
  value?: unknown;
  error?: string;
}

describe('a record written over while a process that verified it has the file open', () => {
  it('is dropped by that process, as by a fresh one, instead of failing every call', async () => {
    holder = fork(holderScript, [t.path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await reply(holder, 'ready');
    holder.send({ type: 'write', keys: [...KEYS, UNSEEN] });
    await reply(holder, 'written');
    for (const key of [...KEYS, UNSEEN]) garbleValue(t.path, key);

    holder.send({ type: 'use', keys: KEYS });
    const { results } = await reply<{
      results: Record<
        'get' | 'getAndSet' | 'getAndDelete' | 'getAgain' | 'updatedAgain',
        Outcome
      > & {
        handed: string;
        dropped: number;
        verify: { ok: boolean; badRecords: number };
      };
    }>(holder, 'used');
    // Each call saw a missing key, not ERR_FASTMMAP_DECODE; the damage was dropped and counted.
    expect(results.get).toEqual({ value: null });
    expect(results.handed).toBe('undefined');
    expect(results.getAndSet).toEqual({ value: { note: 'rewritten' } });
    expect(results.getAndDelete).toEqual({ value: null });
    expect(results.getAgain).toEqual({ value: null });
    expect(results.updatedAgain).toEqual({ value: { note: 'rewritten' } });
    expect(results.dropped).toBe(3);
    expect(results.verify).toMatchObject({ ok: false, badRecords: 1 }); // UNSEEN, not read yet

    // A process that never verified the records drops its damaged one the same way.
    const fresh = FastMmapCache.open({ path: t.path });
    expect(fresh.get(UNSEEN)).toBeUndefined();
    expect(fresh.stats().droppedCorruptRecords).toBe(4);
    expect(fresh.verify()).toMatchObject({ ok: true, badRecords: 0 });
    expect(fresh.get(KEYS[1]!)).toEqual({ note: 'rewritten' });
    fresh.close();
  }, 30_000);

  it('is not sealed valid again by a touch of that process', () => {
    const cache = FastMmapCache.open({ path: t.path, pageSize: 4096, numPages: 2 });
    cache.set('memo:touch-me', { note: 'stored' });
    cache.set('memo:kept', { note: 'kept' });
    expect(cache.get('memo:touch-me')).toEqual({ note: 'stored' }); // verified by this instance
    garbleValue(t.path, 'memo:touch-me');
    // A touch writes the record's checksum anew: trusting the memo, it would seal the garbage
    // as valid, and every process would then fail to decode it for good.
    expect(cache.touch('memo:touch-me', { ttl: 60_000 })).toBe(false);
    expect(cache.stats().droppedCorruptRecords).toBe(1);
    const fresh = FastMmapCache.open({ path: t.path });
    expect(fresh.get('memo:touch-me')).toBeUndefined();
    expect(fresh.get('memo:kept')).toEqual({ note: 'kept' });
    expect(fresh.verify()).toMatchObject({ ok: true, badRecords: 0 });
    fresh.close();
    cache.close();
  });
});
