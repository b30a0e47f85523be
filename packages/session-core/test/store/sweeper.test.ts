import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSweeper } from '../../src/index.js';

describe('startSweeper', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('calls deleteExpired once per interval until stopped', async () => {
    const deleteExpired = vi.fn(async () => 3);
    const onSweep = vi.fn();
    const stop = startSweeper({ deleteExpired }, 1000, { onSweep });
    await vi.advanceTimersByTimeAsync(3500);
    expect(deleteExpired).toHaveBeenCalledTimes(3);
    expect(onSweep).toHaveBeenLastCalledWith(3);
    stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(deleteExpired).toHaveBeenCalledTimes(3);
  });

  it('never overlaps a sweep that is still running', async () => {
    let release!: () => void;
    const deleteExpired = vi.fn(
      () =>
        new Promise<number>((resolve) => {
          release = () => resolve(0);
        }),
    );
    const stop = startSweeper({ deleteExpired }, 100);
    await vi.advanceTimersByTimeAsync(1000);
    expect(deleteExpired).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(deleteExpired).toHaveBeenCalledTimes(2);
    stop();
  });

  it('sends failures to onError and keeps sweeping', async () => {
    const boom = new Error('disk on fire');
    const deleteExpired = vi.fn(async () => {
      throw boom;
    });
    const onError = vi.fn(() => {
      throw new Error('a throwing handler must not escape either');
    });
    const stop = startSweeper({ deleteExpired }, 10, { onError });
    await vi.advanceTimersByTimeAsync(30);
    expect(onError).toHaveBeenCalledTimes(3);
    expect(onError).toHaveBeenCalledWith(boom);
    stop();
  });

  it('warns once by default, not on every failure', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const stop = startSweeper(
      {
        deleteExpired: async () => {
          throw new Error('nope');
        },
      },
      10,
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(warn).toHaveBeenCalledTimes(1);
    stop();
  });

  it('does not keep the process alive', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setInterval');
    const stop = startSweeper({ deleteExpired: async () => 0 }, 60_000);
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    stop();
  });

  it('refuses an interval Node cannot time (0, NaN, a string, over 2^31 - 1 ms) with ERR_SESSION_OPTIONS', () => {
    const store = { deleteExpired: async () => 0 };
    // 30 days: setInterval would warn and fire every 1 ms, a full sweep each time.
    for (const bad of [0, Number.NaN, '1000', 30 * 86_400_000, Number.POSITIVE_INFINITY]) {
      expect(() => startSweeper(store, bad as number)).toThrow(
        expect.objectContaining({ name: 'SessionError', code: 'ERR_SESSION_OPTIONS' }),
      );
    }
    startSweeper(store, 2 ** 31 - 1)();
  });
});
