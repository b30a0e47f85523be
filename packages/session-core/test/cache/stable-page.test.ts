// readStablePage: how a reader without locks gets a consistent page.
import { describe, expect, it } from 'vitest';
import { FastMmapError } from '../../src/cache/index.js';
import { readStablePage } from '../../src/cache/stable-page.js';

describe('readStablePage', () => {
  it('takes a run during which the generation stayed even and unchanged', () => {
    const gen = new Int32Array(1);
    let runs = 0;
    expect(readStablePage(gen, 0, 1000, () => ++runs)).toBe(1);
  });

  it('re-runs when a writer got in, and takes a page left odd (a dead writer) after a grace', () => {
    const gen = new Int32Array(1);
    const runs: { gen: number; at: number }[] = [];
    const started = performance.now();
    const result = readStablePage(gen, 0, 1000, () => {
      runs.push({ gen: gen[0]!, at: performance.now() - started });
      if (runs.length === 1) gen[0] = 1; // a writer starts during the first run and never ends
      return runs.length;
    });
    expect(result).toBe(2);
    expect(runs[1]!.gen).toBe(1);
    expect(runs[1]!.at).toBeGreaterThanOrEqual(20); // not while a live writer could be at work
  });

  it("waits the grace once per dead writer's generation, not on every read of its page", () => {
    const gen = new Int32Array([7]); // a writer died mid-write
    let now = 0;
    const clock = {
      now: () => now,
      sleep: (ms: number) => {
        now += ms;
      },
    };
    const dead = new Map<number, number>();
    expect(readStablePage(gen, 0, 1000, () => 'first', clock, dead)).toBe('first');
    expect(now).toBeGreaterThanOrEqual(20);
    const after = now;
    expect(readStablePage(gen, 0, 1000, () => 'again', clock, dead)).toBe('again');
    expect(now).toBe(after); // no sleep
    // A writer repaired the page, then another left it odd: that one gets the grace again.
    gen[0] = 8;
    expect(readStablePage(gen, 0, 1000, () => 'even', clock, dead)).toBe('even');
    expect(dead.size).toBe(0);
    gen[0] = 9;
    readStablePage(gen, 0, 1000, () => 'new death', clock, dead);
    expect(now - after).toBeGreaterThanOrEqual(20);
  });

  it('does not take a busy page (one short write after another) for a dead writer', () => {
    // A live writer: while the reader sleeps, its write ends and the next begins (a new odd
    // generation each time), and each run fits inside one write. No run may be taken.
    const gen = new Int32Array([1]);
    let now = 0;
    let runs = 0;
    const busy = {
      now: () => now,
      sleep: (ms: number) => {
        now += ms;
        gen[0] = gen[0]! + 2;
      },
    };
    let caught: unknown;
    try {
      readStablePage(gen, 0, 100, () => ++runs, busy);
    } catch (err) {
      caught = err;
    }
    expect((caught as FastMmapError).code).toBe('ERR_FASTMMAP_LOCK_TIMEOUT');
    expect(runs).toBe(0);
  });

  it("with a lockTimeout under the grace, a dead writer's page is still read", () => {
    const gen = new Int32Array([3]);
    expect(readStablePage(gen, 0, 5, () => 'read')).toBe('read');
  });

  it('rethrows an error only from a run no writer disturbed', () => {
    const gen = new Int32Array(1);
    let runs = 0;
    const result = readStablePage(gen, 0, 1000, () => {
      runs++;
      if (runs === 1) {
        gen[0] = 2; // a whole write happened meanwhile: what the run read may be torn
        throw new Error('torn');
      }
      return 'clean';
    });
    expect(result).toBe('clean');
    expect(() =>
      readStablePage(gen, 0, 1000, () => {
        throw new Error('real');
      }),
    ).toThrow('real');
  });

  it('ERR_FASTMMAP_LOCK_TIMEOUT when the page never holds still', () => {
    const gen = new Int32Array(1);
    let caught: unknown;
    try {
      readStablePage(gen, 0, 30, () => {
        gen[0] = gen[0]! + 2; // a writer finishes during every run
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FastMmapError);
    expect((caught as FastMmapError).code).toBe('ERR_FASTMMAP_LOCK_TIMEOUT');
  });
});
