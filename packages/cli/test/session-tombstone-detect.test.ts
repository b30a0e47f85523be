import { describe, expect, it } from 'vitest';
import { isSessionTombstone, tombstoneTest } from '../src/session-tombstone.js';

const tombstone = { __fastmmap: { created: 1, touched: 1, dead: true } };

describe('session tombstone detection', () => {
  it('is an object whose __fastmmap meta says dead: true, and nothing else', () => {
    expect(isSessionTombstone(tombstone)).toBe(true);
    expect(isSessionTombstone({ __fastmmap: { dead: true } })).toBe(true);
    for (const value of [
      { __fastmmap: { created: 1, touched: 1 } },
      { __fastmmap: { dead: 'true' } },
      { __fastmmap: null },
      { meta: { dead: true } },
      Object.create({ __fastmmap: { dead: true } }),
      '__fastmmap dead',
      null,
      undefined,
      42,
    ]) {
      expect(isSessionTombstone(value), JSON.stringify(value)).toBe(false);
    }
  });

  it('reads json files too, and never calls a value of another codec one', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(tombstone));
    expect((await tombstoneTest('json'))(bytes)).toBe(true);
    const truncated = new TextEncoder().encode('{"__fastmmap":{"dead":true}');
    expect((await tombstoneTest('json'))(truncated)).toBe(false);
    expect((await tombstoneTest('raw'))(bytes)).toBe(false);
    expect((await tombstoneTest('my-codec'))(bytes)).toBe(false);
  });
});
