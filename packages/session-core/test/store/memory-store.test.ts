import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { fakeClock } from '../helpers.js';

// The contract itself is checked by packages/store-test-suite; these are MemoryStore's extras.
describe('MemoryStore', () => {
  it('counts live sessions only', async () => {
    const clock = fakeClock();
    const store = new MemoryStore({ clock });
    await store.store('a', {}, 1000);
    await store.store('b', {}, 2000);
    clock.advance(1000);
    expect(store.size).toBe(1);
    await store.clear();
    expect(store.size).toBe(0);
  });

  it('measures maxSize on the encoded session', async () => {
    const store = new MemoryStore({ maxSize: 100 });
    await store.store('fits', { s: 'x'.repeat(50) }, 1000);
    await expect(store.store('big', { s: 'x'.repeat(100) }, 1000)).rejects.toMatchObject({
      code: 'ERR_SESSION_TOO_LARGE',
    });
  });

  it('rejects a nonsensical maxSize', () => {
    expect(() => new MemoryStore({ maxSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_OPTIONS' }),
    );
  });
});
