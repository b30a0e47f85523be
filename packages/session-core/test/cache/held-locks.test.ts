import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readHeldLocks } from '../../src/cache/held-locks.js';
import { H_MUTEXES, MUTEX_LIBC_TAG, MUTEX_STRIDE } from '../../src/cache/layout.js';
import { messageOf, SMALL, scratchDir } from './helpers.js';

// The CLI names the process that keeps a page lock: the holder's thread id is in the mutex
// (the futex word of a robust mutex), read from a read-only mapping without locking.

const holderScript = fileURLToPath(new URL('./fixtures/page-lock-holder.mjs', import.meta.url));

let t: ReturnType<typeof scratchDir>;
let holder: ChildProcess | undefined;
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => {
  holder?.kill('SIGKILL');
  t.cleanup();
});

describe('heldLocks', () => {
  it('a read-only instance sees which thread holds a lock, and nothing once it is let go', async () => {
    t.open({ ...SMALL, codec: 'json' }).close();
    const reader = t.open({ readOnly: true, adoptGeometry: true });
    expect(reader.heldLocks()).toEqual([]);
    const child = spawn(process.execPath, [holderScript, t.path, 'hold', '60000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    holder = child;
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    const [held, ...others] = reader.heldLocks();
    expect(others).toEqual([]);
    // A main thread's id is its pid; the stamp holds still: nothing is written meanwhile.
    expect(held).toMatchObject({ threadId: child.pid, pages: 1 });
    expect(reader.heldLocks()).toEqual([held]);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The kernel frees a dead holder's lock (only OWNER_DIED is left in the word).
    expect(reader.heldLocks()).toEqual([]);
  });
});

describe('a lock timeout', () => {
  it('tells the operator how to find the holder', async () => {
    const cache = t.open<string>({ ...SMALL, codec: 'json', lockTimeout: 50 });
    cache.set('k', 'stored');
    const child = spawn(process.execPath, [holderScript, t.path, 'hold', '60000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    holder = child;
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    expect(messageOf(() => cache.set('k', 'too early'))).toMatch(
      new RegExp(
        `^lock stripe \\d+ not granted within 50 ms .*; \`fastmmap verify ${t.path}\` \\(@fastmmap/cli\\) names the process that holds it$`,
      ),
    );
  });
});

describe('readHeldLocks', () => {
  const stripes = 4;
  const numPages = 8;
  /** A header with `stripes` mutexes and a generation word per page (at index 4096 + page). */
  function mapping(words: Array<{ tag?: number; word0?: number; word1?: number }>) {
    const i32 = new Int32Array(4096 + numPages);
    words.forEach(({ tag = 0, word0 = 0, word1 = 0 }, stripe) => {
      const at = (H_MUTEXES + stripe * MUTEX_STRIDE) >>> 2;
      i32[at] = word0;
      i32[at + 1] = word1;
      i32[at + (MUTEX_LIBC_TAG >>> 2)] = tag;
    });
    return i32;
  }
  const gen = (page: number) => 4096 + page;
  const GLIBC = 0x474c4942;
  const MUSL = 0x4d55534c;

  it('reads the thread id of glibc (first word) and musl (second word) mutexes', () => {
    const i32 = mapping([
      { tag: GLIBC, word0: 4242 | 0x80000000 }, // held, with waiters
      { tag: MUSL, word0: 1, word1: 777 }, // musl: the first word is its type
      { tag: GLIBC, word0: 0x40000000 }, // the holder died: free, the next locker repairs
      { tag: 0, word0: 99 }, // made before the tag: read as glibc
    ]);
    const held = readHeldLocks(i32, stripes, numPages, gen);
    expect(held.map(({ stripe, threadId, pages }) => ({ stripe, threadId, pages }))).toEqual([
      { stripe: 0, threadId: 4242, pages: 2 },
      { stripe: 1, threadId: 777, pages: 2 },
      { stripe: 3, threadId: 99, pages: 2 },
    ]);
  });

  it('stamps each stripe with its pages’ generations: a write to one changes it', () => {
    const i32 = mapping([
      { tag: GLIBC, word0: 10 },
      { tag: GLIBC, word0: 11 },
    ]);
    const before = readHeldLocks(i32, stripes, numPages, gen);
    i32[gen(5)]! += 2; // a write to page 5, of stripe 1
    const after = readHeldLocks(i32, stripes, numPages, gen);
    expect(after[0]!.writes).toBe(before[0]!.writes);
    expect(after[1]!.writes).not.toBe(before[1]!.writes);
  });
});
