/** A clock the suite moves by hand, so expiry is tested without sleeping. */
export interface TestClock {
  (): number;
  /** Moves time forward by ms. */
  advance(ms: number): void;
}

export function createTestClock(start = Date.now()): TestClock {
  let now = start;
  const clock = (() => now) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}
