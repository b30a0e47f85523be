import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FastMmapStore, isSessionError, MemoryStore, SessionError } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<SessionError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SessionError);
  return err as SessionError;
}

// Express's final handler, Koa and Fastify answer with err.status or err.statusCode.
describe('SessionError status', () => {
  it('is 503 when the store cannot serve: a closed FastMmapStore or MemoryStore', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastmmap-status-'));
    dirs.push(dir);
    const fastmmap = new FastMmapStore({ storage: join(dir, 's.fmcache'), numPages: 3 });
    const memory = new MemoryStore();
    for (const store of [fastmmap, memory]) {
      await store.close();
      const err = await rejection(Promise.resolve().then(() => store.get('abc')));
      expect(err).toMatchObject({
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        status: 503,
        statusCode: 503,
      });
    }
  });

  it("is 500 for the app's or the data's fault: too large, unsupported data, a bad id", async () => {
    const store = new MemoryStore({ maxSize: 100 });
    const tooLarge = await rejection(store.store('big', { s: 'x'.repeat(200) }, 1000));
    const unsupported = await rejection(store.store('fn', { f: () => 1 } as never, 1000));
    const badId = await rejection(Promise.resolve().then(() => store.get('')));
    expect([tooLarge, unsupported, badId].map((e) => [e.code, e.status, e.statusCode])).toEqual([
      ['ERR_SESSION_TOO_LARGE', 500, 500],
      ['ERR_SESSION_UNSUPPORTED_DATA', 500, 500],
      ['ERR_SESSION_INVALID_ID', 500, 500],
    ]);
  });

  // NestJS's default filter answers an error with a statusCode with { statusCode, message }
  // unless expose is false, and a store's message can name a Redis host or a cache path.
  it('is not for the client (expose: false, as http-errors marks a 5xx), whatever the code', async () => {
    const store = new MemoryStore({ maxSize: 100 });
    await store.close();
    const closed = await rejection(Promise.resolve().then(() => store.get('abc')));
    const made = new SessionError('ERR_SESSION_TOO_LARGE', 'the entry needs 200000 bytes');
    expect([closed.expose, made.expose]).toEqual([false, false]);
  });

  it('can be reassigned, as Koa does with err.status', () => {
    const err = new SessionError('ERR_SESSION_STORE_UNAVAILABLE', 'down');
    err.status = 500;
    expect(err.status).toBe(500);
  });

  it('isSessionError with a code narrows err.code to that code (checked by typecheck:tests)', () => {
    const err: unknown = new SessionError('ERR_SESSION_DESTROYED', 'gone');
    if (!isSessionError(err, 'ERR_SESSION_DESTROYED')) throw new Error('not a SessionError');
    const code: 'ERR_SESSION_DESTROYED' = err.code;
    expect(code).toBe('ERR_SESSION_DESTROYED');
    expect(isSessionError(err, 'ERR_SESSION_OPTIONS')).toBe(false);
  });
});
