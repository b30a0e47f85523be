import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { H_MUTEXES, LIBC_TAGS, MUTEX_LIBC_TAG, MUTEX_STRIDE } from '../../src/cache/layout.js';
import { codeOf, SMALL, scratchDir } from './helpers.js';

// The page locks are robust, process-shared pthread mutexes in the file's header: no system
// call to take or release, and still released by the kernel when their holder dies.

const holderScript = fileURLToPath(new URL('./fixtures/page-lock-holder.mjs', import.meta.url));
const contenderScript = fileURLToPath(
  new URL('./fixtures/page-lock-contender.mjs', import.meta.url),
);
const OPTIONS = { ...SMALL, codec: 'json' } as const;

let t: ReturnType<typeof scratchDir>;
const children: ChildProcess[] = [];
beforeEach(() => {
  t = scratchDir();
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  t.cleanup();
});

// `unshare --pid --fork`: the process runs in a PID namespace of its own (as in a container),
// where its main thread's id is 1, like that of every other such process.
const OWN_PID_NAMESPACE = ['unshare', '--pid', '--fork', '--kill-child'];

/** A real process inside getAndSet('k'), holding its page's lock: resolves once it is. */
function holdPageLock(
  mode: 'die' | 'hold',
  holdMs = 0,
  prefix: string[] = [],
): Promise<ChildProcess> {
  const command = [...prefix, process.execPath, holderScript, t.path, mode, String(holdMs)];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code} before locking`)));
  });
}

/** Writes `bytes` (random ones by default) over the file at `offset`, as a stray writer would. */
function writeGarbage(offset: number, length: number, bytes = randomBytes(length)): void {
  const fd = openSync(t.path, 'r+');
  writeSync(fd, bytes, 0, length, offset);
  closeSync(fd);
}

/** The contender fixture's result: its set of `k` in a process of its own. */
async function runContender(
  prefix: string[] = [],
): Promise<{ ok: boolean; ms?: number; code?: string }> {
  const command = [...prefix, process.execPath, contenderScript, t.path];
  const contender = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(contender);
  let out = '';
  contender.stdout!.on('data', (d) => {
    out += d;
  });
  await exited(contender);
  return JSON.parse(out);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('page locks', () => {
  it('a holder killed inside getAndSet: the next writer gets the lock at once, data intact', async () => {
    const cache = t.open<string>({ ...OPTIONS, lockTimeout: 10_000 });
    cache.set('k', 'stored');
    cache.set('other', 'kept');
    const holder = await holdPageLock('die');
    await exited(holder);
    expect(holder.signalCode).toBe('SIGKILL');
    const started = performance.now();
    cache.set('k', 'after the death');
    // The kernel handed the dead holder's lock over (EOWNERDEAD): no wait for the timeout.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(cache.get('k')).toBe('after the death');
    expect(cache.get('other')).toBe('kept');
  });

  it('ERR_FASTMMAP_LOCK_TIMEOUT while a live process keeps it; reads go on without it', async () => {
    const cache = t.open<string>({ ...OPTIONS, lockTimeout: 50 });
    cache.set('k', 'stored');
    const holder = await holdPageLock('hold', 1_500);
    const started = performance.now();
    expect(codeOf(() => cache.set('k', 'too early'))).toBe('ERR_FASTMMAP_LOCK_TIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    expect(cache.get('k')).toBe('stored'); // the seqlock read takes no lock
    await exited(holder);
    expect(holder.exitCode).toBe(0);
    expect(cache.get('k')).toBe('stored and the holder');
    cache.set('k', 'after');
    expect(cache.get('k')).toBe('after');
  });

  it('a waiter stopped past its deadline (SIGSTOP, a paused container) waits again: the holder is not to blame', async () => {
    const cache = t.open<string>({ ...OPTIONS });
    cache.set('k', 'stored');
    const holder = await holdPageLock('hold', 60_000);
    const lockTimeout = 1_000;
    const { contender, output } = await contenderStoppedPastDeadline(lockTimeout);
    await sleep(300);
    holder.kill('SIGKILL'); // the lock is free at last (EOWNERDEAD for the contender)
    await exited(contender);
    // Before, it failed the moment it ran again: ERR_FASTMMAP_LOCK_TIMEOUT, blaming the holder.
    expect(JSON.parse(output().trim().split('\n').at(-1)!)).toMatchObject({ ok: true });
    expect(cache.get('k')).toBe('from the contender');
  });

  it('a waiter stopped past its deadline that times out again says how long it waited', async () => {
    const holder = await holdPageLock('hold', 60_000);
    const lockTimeout = 600;
    const { contender, output } = await contenderStoppedPastDeadline(lockTimeout);
    await exited(contender); // the holder keeps the lock: the second wait times out too
    holder.kill('SIGKILL');
    const result = JSON.parse(output().trim().split('\n').at(-1)!);
    expect(result).toMatchObject({ ok: false, code: 'ERR_FASTMMAP_LOCK_TIMEOUT' });
    expect(result.ms).toBeGreaterThan(2 * lockTimeout);
    // It said "within 600 ms" after some 1,900 ms.
    const said = Number(/not granted within (\d+) ms/.exec(result.message)?.[1]);
    expect(Math.abs(said - result.ms)).toBeLessThan(50);
    expect(result.message).toContain('overslept');
  });

  it('a stopped holder costs each process one full wait, not one per request', async () => {
    const lockTimeout = 1_500;
    const cache = t.open<string>({ ...OPTIONS, lockTimeout });
    cache.set('k', 'stored');
    const timedSet = (value: string) => {
      const started = performance.now();
      const code = codeOf(() => cache.set('k', value));
      return { code, ms: performance.now() - started };
    };
    const holder = await holdPageLock('hold', 60_000);
    holder.kill('SIGSTOP'); // as a debugger or a frozen container leaves it
    const first = timedSet('first');
    expect(first.code).toBe('ERR_FASTMMAP_LOCK_TIMEOUT');
    expect(first.ms).toBeGreaterThanOrEqual(lockTimeout);
    // Every later request would block the event loop as long: now it waits STALLED_WAIT_MS.
    for (const value of ['second', 'third']) {
      const later = timedSet(value);
      expect(later.code).toBe('ERR_FASTMMAP_LOCK_TIMEOUT');
      expect(later.ms).toBeLessThan(lockTimeout / 2);
    }
    expect(cache.get('k')).toBe('stored');

    // Granted again (the holder is gone): the next stopped holder gets the full wait again.
    holder.kill('SIGKILL');
    await exited(holder);
    cache.set('k', 'after');
    expect(cache.get('k')).toBe('after');
    const next = await holdPageLock('hold', 60_000);
    next.kill('SIGSTOP');
    const again = timedSet('again');
    expect(again.code).toBe('ERR_FASTMMAP_LOCK_TIMEOUT');
    expect(again.ms).toBeGreaterThanOrEqual(lockTimeout);
  });

  it('are made anew by a writer that opens the file alone, never under another process', async () => {
    t.open(OPTIONS).close();
    // Locks left held by a thread that no longer runs, as after a reboot (no robust-mutex
    // cleanup ran): glibc keeps the owner's thread id in a mutex's first word.
    const fd = openSync(t.path, 'r+');
    const staleOwner = Buffer.alloc(4);
    staleOwner.writeInt32LE(2 ** 22 - 7);
    for (let stripe = 0; stripe < SMALL.numPages; stripe++)
      writeSync(fd, staleOwner, 0, 4, H_MUTEXES + stripe * MUTEX_STRIDE);
    closeSync(fd);
    const alone = t.open<string>({ ...OPTIONS, lockTimeout: 200 });
    alone.set('k', 'stored'); // would time out on the stale lock
    expect(alone.get('k')).toBe('stored');
    alone.close();

    // A newcomer while a holder is inside a page: the holder's lock stays in force.
    const holder = await holdPageLock('hold', 1_500);
    const newcomer = t.open<string>({ ...OPTIONS, lockTimeout: 50 });
    expect(codeOf(() => newcomer.set('k', 'too early'))).toBe('ERR_FASTMMAP_LOCK_TIMEOUT');
    await exited(holder);
    newcomer.set('k', 'after');
    expect(newcomer.get('k')).toBe('after');
  });

  it('processes in other PID namespaces (containers: thread id 1 each) wait for each other', async () => {
    const cache = t.open<string>({ ...OPTIONS });
    cache.set('k', 'stored');
    // Held long enough that a contender slow to start (a loaded machine) still meets it held.
    const holder = await holdPageLock('hold', 3_000, OWN_PID_NAMESPACE);
    const result = await runContender(OWN_PID_NAMESPACE);
    await exited(holder);
    // Not taken for a second lock by the holder (the same thread id in its own namespace):
    // the contender waited for the holder's getAndSet, then wrote after it.
    expect(result).toMatchObject({ ok: true });
    expect(result.ms).toBeGreaterThan(300);
    expect(cache.get('k')).toBe('from the contender');
  });

  it('bytes written over the mutexes while processes use the file: they are remade, nothing stored is lost', async () => {
    const cache = t.open<string>({ ...OPTIONS, lockTimeout: 5_000 });
    const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`); // on every page, so every stripe
    for (const key of keys) cache.set(key, `stored ${key}`);
    cache.set('k', 'stored');
    writeGarbage(H_MUTEXES, SMALL.numPages * MUTEX_STRIDE);
    // Another process writes first: no lone opener is there to remake the mutexes at open.
    const contender = await runContender();
    expect(contender).toMatchObject({ ok: true });
    expect(contender.ms).toBeLessThan(2_000);
    for (const key of keys) expect(cache.get(key)).toBe(`stored ${key}`);
    for (const key of keys) cache.set(key, `after ${key}`);
    for (const key of keys) expect(cache.get(key)).toBe(`after ${key}`);
    expect(cache.get('k')).toBe('from the contender');
  });

  // What glibc's holders never leave: a thread id in the lock word and none in the owner word,
  // or the "waiters" flag alone.
  it.each([
    ['a thread id', 2 ** 22 - 7],
    ['flag bits only', 0x80000000 | 0],
  ])(
    'a lock word no holder wrote (%s): the wait times out, then the mutex is remade',
    (_, value) => {
      const cache = t.open<string>({ ...OPTIONS, lockTimeout: 200 });
      const other = t.open<string>({ ...OPTIONS, lockTimeout: 200 }); // not alone on the file
      cache.set('k', 'stored');
      const word = Buffer.alloc(4);
      word.writeInt32LE(value);
      for (let stripe = 0; stripe < SMALL.numPages; stripe++)
        writeGarbage(H_MUTEXES + stripe * MUTEX_STRIDE, 4, word);
      const started = performance.now();
      other.set('k', 'after');
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
      expect(cache.get('k')).toBe('after');
      const again = performance.now();
      cache.set('k', 'again'); // remade for everyone: no second wait
      expect(performance.now() - again).toBeLessThan(190);
      expect(other.get('k')).toBe('again');
    },
  );

  it('a mutex garbled while its holder is inside: the write stands, the mutex is remade', () => {
    const cache = t.open<string>({ ...OPTIONS, lockTimeout: 200 });
    const other = t.open<string>({ ...OPTIONS, lockTimeout: 200 });
    cache.set('k', 'stored');
    cache.getAndSet('k', (value) => {
      writeGarbage(H_MUTEXES, SMALL.numPages * MUTEX_STRIDE);
      return `${value} and updated`;
    });
    expect(other.get('k')).toBe('stored and updated');
    other.set('k', 'after');
    expect(cache.get('k')).toBe('after');
  });

  it("a file whose processes use the other C library's mutexes is refused; damaged tags are not", () => {
    const user = t.open<string>(OPTIONS); // keeps the file in use: a newcomer is not alone
    user.set('k', 'stored');
    const fd = openSync(t.path, 'r');
    const own = Buffer.alloc(4);
    readSync(fd, own, 0, 4, H_MUTEXES + MUTEX_LIBC_TAG);
    closeSync(fd);
    const ownTag = own.readUInt32LE();
    expect([...LIBC_TAGS.keys()]).toContain(ownTag); // written by the maker
    const foreign = Buffer.alloc(4);
    foreign.writeUInt32LE([...LIBC_TAGS.keys()].find((tag) => tag !== ownTag)!);
    const tagAt = (stripe: number) => H_MUTEXES + stripe * MUTEX_STRIDE + MUTEX_LIBC_TAG;
    for (let stripe = 0; stripe < SMALL.numPages; stripe++) writeGarbage(tagAt(stripe), 4, foreign);
    expect(codeOf(() => t.open(OPTIONS))).toBe('ERR_FASTMMAP_LOCK_FAILED');
    expect(() => t.open(OPTIONS)).toThrow(/C library/);
    writeGarbage(tagAt(1), 4); // not every stripe alike: damage, not another library
    const newcomer = t.open<string>(OPTIONS);
    expect(newcomer.get('k')).toBe('stored');
    newcomer.set('k', 'after');
    expect(user.get('k')).toBe('after');
  });

  it('a second lock by the same thread is refused, not a hang', () => {
    const cache = t.open<number>({ ...OPTIONS, lockTimeout: 5_000 });
    const other = t.open<number>({ ...OPTIONS, lockTimeout: 5_000 });
    expect(
      codeOf(() =>
        cache.getAndSet('k', () => {
          other.set('k', 1);
          return 2;
        }),
      ),
    ).toBe('ERR_FASTMMAP_REENTRANT');
    cache.set('k', 3);
    expect(other.get('k')).toBe(3);
  });
});

/**
 * A contender waiting for the held page lock, stopped (SIGSTOP) 200 ms into its wait and
 * continued once its deadline has passed: it could not run when the deadline came.
 */
async function contenderStoppedPastDeadline(lockTimeout: number) {
  const command = [contenderScript, t.path, String(lockTimeout)];
  const contender = spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(contender);
  let out = '';
  contender.stdout!.on('data', (d) => {
    out += d;
  });
  await new Promise<void>((resolve) => {
    contender.stdout!.on('data', () => {
      if (out.includes('waiting\n')) resolve();
    });
  });
  await sleep(200); // inside its wait for the held lock
  contender.kill('SIGSTOP');
  await sleep(lockTimeout + 500); // its deadline passes while it cannot run
  contender.kill('SIGCONT');
  return { contender, output: () => out };
}
