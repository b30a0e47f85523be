/**
 * Runs the tasks of one key one after the other, in call order; tasks of other keys run
 * alongside. getAndSet queues on it so that the concurrent requests of one process never race
 * each other for a session: only other processes can make its compare-and-set fail, so a
 * loser contends with one writer per process, not with every request in flight.
 */
export class KeyQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Runs `task` once every earlier task of `key` has settled. If that takes longer than
   * `waitMs` (a slow or hung Redis behind them), rejects with `onTimeout()` and runs nothing:
   * a queued call is bounded in time like a call that was sent.
   */
  async run<T>(
    key: string,
    waitMs: number,
    onTimeout: () => Error,
    task: () => Promise<T>,
  ): Promise<T> {
    const previous = this.#tails.get(key);
    let release = (): void => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Later calls wait for this one and, should it give up waiting, still for `previous`.
    const tail = previous === undefined ? done : previous.then(() => done);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    try {
      if (previous !== undefined) await settledWithin(previous, waitMs, onTimeout);
      return await task();
    } finally {
      release();
    }
  }
}

function settledWithin(turn: Promise<void>, ms: number, onTimeout: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    void turn.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
