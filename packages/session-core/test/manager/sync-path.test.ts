import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitNow } from '../../src/adapter.js';
import {
  createSessionManager,
  FastMmapStore,
  MemoryStore,
  type StoredData,
} from '../../src/index.js';
import { cookiePair, fakeClock, recordingStore, SECRET } from '../helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(sync: boolean) {
  const clock = fakeClock();
  const memory = new MemoryStore({ clock });
  const store = recordingStore(memory, { sync });
  return { memory, store, manager: createSessionManager({ secret: SECRET, store, clock }) };
}

describe('Store.sync', () => {
  it('is the store itself for FastMmapStore and MemoryStore, and undefined once get or getAndSet is overridden', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastmmap-sync-'));
    dirs.push(dir);
    const mmap = new FastMmapStore({ storage: join(dir, 's.fmcache'), numPages: 4 });
    const memory = new MemoryStore();
    expect(mmap.sync).toBe(mmap);
    expect(memory.sync).toBe(memory);

    class LoggingStore extends MemoryStore {
      override async get(id: string): Promise<StoredData | undefined> {
        return super.get(id);
      }
    }
    expect(new LoggingStore().sync).toBeUndefined();
    // Patched on the instance (as tests and instrumentation do): the same.
    memory.getAndSet = async () => undefined;
    expect(memory.sync).toBeUndefined();
    return mmap.close();
  });
});

describe('loadNow and commitNow', () => {
  it('finish in the call with a synchronous store', async () => {
    const { manager, memory } = setup(true);
    const created = manager.loadNow<Record<string, unknown>>(undefined);
    expect(created).not.toBeInstanceOf(Promise);
    if (created instanceof Promise) return;
    created.data.user = 'ann';
    const headers = commitNow(created);
    expect(Array.isArray(headers)).toBe(true);
    const cookie = cookiePair((headers as string[])[0]);
    expect(await memory.get(created.id)).toMatchObject({ user: 'ann' });

    const loaded = manager.loadNow<Record<string, unknown>>(cookie);
    expect(loaded).not.toBeInstanceOf(Promise);
    expect((loaded as { data: Record<string, unknown> }).data.user).toBe('ann');
  });

  it('give promises with a store that has no Store.sync, with the same outcome', async () => {
    const { manager, memory } = setup(false);
    // No cookie: a new session needs no store read, so it comes in the call either way.
    const created = manager.loadNow<Record<string, unknown>>(undefined);
    expect(created).not.toBeInstanceOf(Promise);
    const session = await created;
    session.data.user = 'bob';
    const committed = commitNow(session);
    expect(committed).toBeInstanceOf(Promise);
    const headers = await committed;
    expect(headers).toHaveLength(1);
    expect(await memory.get(session.id)).toMatchObject({ user: 'bob' });

    const loading = manager.loadNow<Record<string, unknown>>(cookiePair(headers[0]));
    expect(loading).toBeInstanceOf(Promise);
    expect((await loading).data.user).toBe('bob');
  });

  it('queue behind a task still running, in call order', async () => {
    const { manager, memory } = setup(true);
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.step = 1;
    await session.commit();
    const oldId = session.id;
    const regenerating = session.regenerate();
    session.data.step = 2;
    const committed = commitNow(session);
    expect(committed).toBeInstanceOf(Promise);
    await regenerating;
    expect(await committed).toHaveLength(1);
    expect(session.id).not.toBe(oldId);
    expect(await memory.get(session.id)).toMatchObject({ step: 2 });
  });

  it('finish in the call again once an awaited regenerate() has settled', async () => {
    // An adapter's commit after `await session.regenerate()` (a login): with a pending
    // promise, a Fastify hook that replies without `return reply` lets the handler reply too.
    const { manager, memory } = setup(true);
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.user = 'ann';
    await session.commit();
    await session.regenerate();
    session.data.step = 2;
    const headers = commitNow(session);
    expect(headers).not.toBeInstanceOf(Promise);
    expect(headers).toHaveLength(1);
    expect(await memory.get(session.id)).toMatchObject({ user: 'ann', step: 2 });
  });

  it('reject rather than throw when the synchronous store fails, and keep what was stored', async () => {
    const { manager, memory } = setup(true);
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.user = 'ann';
    const cookie = cookiePair((await session.commit())[0]);
    const realGetAndSetSync = memory.getAndSetSync.bind(memory);
    memory.getAndSetSync = () => {
      throw new Error('backend down');
    };
    session.data.user = 'eve';
    const failed = commitNow(session);
    expect(failed).toBeInstanceOf(Promise);
    await expect(failed).rejects.toThrow('backend down');
    memory.getAndSetSync = realGetAndSetSync;
    expect(await memory.get(session.id)).toMatchObject({ user: 'ann' });

    memory.getSync = () => {
      throw new Error('backend down');
    };
    const loading = manager.loadNow(cookie);
    expect(loading).toBeInstanceOf(Promise);
    await expect(loading).rejects.toThrow('backend down');
  });
});
