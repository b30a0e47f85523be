import { describe, expect, it } from 'vitest';
import { commitNow } from '../../src/adapter.js';
import { SessionError } from '../../src/errors.js';
import { sessionFailures } from '../../src/manager/failures.js';
import { createSessionManager } from '../../src/manager/manager.js';
import type { SessionManager } from '../../src/manager/types.js';
import type { Store } from '../../src/store/types.js';
import { cookiePair, managerSetup, SECRET } from '../helpers.js';

async function startSession(manager: SessionManager) {
  const session = await manager.load<Record<string, unknown>>(undefined);
  session.data.user = 'ann';
  return cookiePair((await session.commit())[0]);
}

const counts = (manager: SessionManager) =>
  Object.fromEntries(
    (sessionFailures(manager) ?? []).map((f) => [`${f.operation} ${f.code}`, f.count]),
  );

describe.each(['sync', 'async'] as const)('sessionFailures (%s store)', (mode) => {
  it('counts nothing for loads and commits that succeed', async () => {
    const { manager } = managerSetup(mode);
    const cookie = await startSession(manager);
    const session = await manager.load<Record<string, unknown>>(cookie);
    session.data.n = 1;
    await session.commit();
    await session.regenerate();
    await session.destroy();
    expect(sessionFailures(manager)).toEqual([]);
  });

  it('counts failed loads and commits by code, each once', async () => {
    const { manager, memory } = managerSetup(mode);
    const cookie = await startSession(manager);
    const loaded = await manager.load<Record<string, unknown>>(cookie);
    const other = await manager.load<Record<string, unknown>>(cookie);
    await memory.close(); // every call now fails with ERR_SESSION_STORE_UNAVAILABLE
    await expect(manager.load(cookie)).rejects.toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
    });
    loaded.data.n = 1;
    await expect(loaded.commit()).rejects.toBeInstanceOf(SessionError);
    // The adapters' way: in the call when the store is synchronous.
    other.data.n = 2;
    const committed = commitNow(other);
    await expect(Promise.resolve(committed)).rejects.toBeInstanceOf(SessionError);
    expect(counts(manager)).toEqual({
      'load ERR_SESSION_STORE_UNAVAILABLE': 1,
      'commit ERR_SESSION_STORE_UNAVAILABLE': 2,
    });
  });

  it('counts failed regenerate() and destroy() apart from commits', async () => {
    const { manager, memory } = managerSetup(mode);
    const cookie = await startSession(manager);
    const a = await manager.load(cookie);
    const b = await manager.load(cookie);
    await memory.close();
    await expect(a.regenerate()).rejects.toBeInstanceOf(SessionError);
    await expect(b.destroy()).rejects.toBeInstanceOf(SessionError);
    expect(counts(manager)).toEqual({
      'regenerate ERR_SESSION_STORE_UNAVAILABLE': 1,
      'destroy ERR_SESSION_STORE_UNAVAILABLE': 1,
    });
  });

  it("counts a commit retried after its failure once, and the session's next failure again", async () => {
    const { manager } = managerSetup(mode);
    const session = await manager.load<Record<string, unknown>>(undefined);
    const refused = { code: 'ERR_SESSION_UNSUPPORTED_DATA' };
    session.data.f = () => {};
    // save() fails, then the adapter's commit at the end of the response retries it.
    await expect(session.commit()).rejects.toMatchObject(refused);
    await expect(Promise.resolve(commitNow(session))).rejects.toMatchObject(refused);
    expect(counts(manager)).toEqual({ 'commit ERR_SESSION_UNSUPPORTED_DATA': 1 });
    delete session.data.f;
    await Promise.resolve(commitNow(session));
    session.data.f = () => {};
    await expect(session.commit()).rejects.toMatchObject(refused);
    expect(counts(manager)).toEqual({ 'commit ERR_SESSION_UNSUPPORTED_DATA': 2 });
  });

  it('counts a retried commit again when it fails with another code (an outage after a refusal)', async () => {
    const { manager, memory } = managerSetup(mode);
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.f = () => {};
    await expect(session.commit()).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED_DATA' });
    delete session.data.f;
    session.data.n = 1;
    await memory.close();
    await expect(Promise.resolve(commitNow(session))).rejects.toMatchObject({
      code: 'ERR_SESSION_STORE_UNAVAILABLE',
    });
    await expect(session.commit()).rejects.toBeInstanceOf(SessionError);
    expect(counts(manager)).toEqual({
      'commit ERR_SESSION_UNSUPPORTED_DATA': 1,
      'commit ERR_SESSION_STORE_UNAVAILABLE': 1,
    });
  });

  it('counts a genid that throws after the cookie named no record as a failed load', async () => {
    const { manager } = managerSetup(mode);
    const cookie = await startSession(manager);
    const { manager: failing } = managerSetup(mode, {
      genid: () => {
        throw new Error('no entropy');
      },
    });
    await expect(failing.load(cookie)).rejects.toMatchObject({ code: 'ERR_SESSION_OPTIONS' });
    expect(counts(failing)).toEqual({ 'load ERR_SESSION_OPTIONS': 1 });
  });

  it('counts a data refusal under its own code', async () => {
    const { manager } = managerSetup(mode);
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.f = () => {};
    await expect(Promise.resolve(commitNow(session))).rejects.toMatchObject({
      code: 'ERR_SESSION_UNSUPPORTED_DATA',
    });
    expect(counts(manager)).toEqual({ 'commit ERR_SESSION_UNSUPPORTED_DATA': 1 });
  });
});

describe('sessionFailures', () => {
  it('labels an error without a usable code "unknown"', async () => {
    const store: Store = {
      get: () => Promise.reject(new Error('connection reset')),
      store: () => Promise.reject(Object.assign(new Error('x'), { code: 'a code with spaces' })),
      delete: () => Promise.resolve(),
      deleteExpired: () => Promise.resolve(0),
      getAndSet: () => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' })),
      close: () => Promise.resolve(),
    };
    const manager = createSessionManager({ secret: SECRET, store });
    const { manager: other } = managerSetup('sync');
    const cookie = await startSession(other);
    await expect(manager.load(cookie)).rejects.toThrow('connection reset');
    const session = await manager.load<Record<string, unknown>>(undefined);
    session.data.n = 1;
    await expect(session.commit()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(counts(manager)).toEqual({ 'load unknown': 1, 'commit ECONNRESET': 1 });
  });

  it('keeps the number of codes bounded, but an outage past the cap keeps its own series', async () => {
    let n = 0;
    const store: Store = {
      get: () =>
        Promise.reject(
          Object.assign(new Error('x'), {
            code: n++ < 100 ? `E_${n}` : 'ERR_SESSION_STORE_UNAVAILABLE',
          }),
        ),
      store: () => Promise.resolve(),
      delete: () => Promise.resolve(),
      deleteExpired: () => Promise.resolve(0),
      getAndSet: () => Promise.resolve(undefined),
      close: () => Promise.resolve(),
    };
    const manager = createSessionManager({ secret: SECRET, store });
    const { manager: other } = managerSetup('sync');
    const cookie = await startSession(other);
    for (let i = 0; i < 102; i++) await manager.load(cookie).catch(() => {});
    const failures = sessionFailures(manager) ?? [];
    expect(failures.length).toBeLessThanOrEqual(66);
    expect(failures.reduce((sum, f) => sum + f.count, 0)).toBe(102);
    expect(failures.find((f) => f.code === 'other')?.count).toBe(100 - 64);
    expect(failures.find((f) => f.code === 'ERR_SESSION_STORE_UNAVAILABLE')?.count).toBe(2);
  });

  it('is undefined for anything but a manager from createSessionManager()', () => {
    expect(sessionFailures({ store: {} })).toBeUndefined();
    expect(sessionFailures(null)).toBeUndefined();
  });
});
