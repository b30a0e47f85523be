import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecodedMemo } from '../../src/cache/decoded-memo.js';
import { copyPlainTree, NOT_PLAIN, plainClone } from '../../src/cache/plain-clone.js';
import { codeOf, scratchDir } from './helpers.js';

const session = () => ({
  user: { id: 'u1', roles: ['reader', 'writer'] },
  at: new Date(1_700_000_000_000),
  cart: [{ sku: 'A', qty: 1 }, null, 2.5, 'x'],
  empty: {},
});

type Session = ReturnType<typeof session>;

function expectUnsharedCopy(copy: Session, value: Session): void {
  expect(copy).toEqual(value);
  expect(copy).not.toBe(value);
  expect(copy.user).not.toBe(value.user);
  expect(copy.user.roles).not.toBe(value.user.roles);
  expect(copy.at).not.toBe(value.at);
  expect(copy.at).toBeInstanceOf(Date);
  expect(copy.cart[0]).not.toBe(value.cart[0]);
}

describe('plainClone', () => {
  it('deep-copies objects, arrays and Dates without sharing anything', () => {
    const value = session();
    expectUnsharedCopy(plainClone(value) as Session, value);
  });

  it('copyPlainTree copies what plainClone made the same way, without its checks', () => {
    const tree = plainClone(session()) as Session;
    expectUnsharedCopy(copyPlainTree(tree) as Session, tree);
  });

  it('refuses what it cannot copy exactly, so the caller decodes instead', () => {
    expect(plainClone({ b: Buffer.from('x') })).toBe(NOT_PLAIN);
    expect(plainClone([new Map()])).toBe(NOT_PLAIN);
    expect(plainClone({ s: new Set([1]) })).toBe(NOT_PLAIN);
    expect(plainClone(JSON.parse('{"__proto__":{"polluted":true}}'))).toBe(NOT_PLAIN);
    expect(plainClone(Object.create(null))).toBe(NOT_PLAIN);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(plainClone(deep)).toBe(NOT_PLAIN);
  });
});

describe('DecodedMemo', () => {
  /** A decode that records whether it got a view of the file or a private copy. */
  function recordingDecode(file: Buffer) {
    const calls: ('view' | 'copy')[] = [];
    const decode = (source: Buffer, start: number, end: number) => {
      const view = source.buffer === file.buffer && source.byteOffset === file.byteOffset;
      calls.push(view ? 'view' : 'copy');
      return JSON.parse(source.toString('utf8', start, end));
    };
    return { calls, decode };
  }
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('decodes a first read in place, keeps the second, and copies the kept value after', () => {
    const file = json({ n: [1, 2] });
    const { calls, decode } = recordingDecode(file);
    const memo = new DecodedMemo(1 << 20);
    const read = () => memo.value(7, 'k', 42, file, 0, file.length, decode) as { n: number[] };
    expect(read()).toEqual({ n: [1, 2] });
    expect(read()).toEqual({ n: [1, 2] });
    const third = read();
    expect(third).toEqual({ n: [1, 2] });
    expect(calls).toEqual(['view', 'copy']);
    third.n.push(3); // a caller's change must not reach the next reader
    expect(read()).toEqual({ n: [1, 2] });
    expect(calls).toEqual(['view', 'copy']);
  });

  it('decodes again when the bytes differ, even under the same checksum word and length', () => {
    const file = json({ n: 'a' });
    const { calls, decode } = recordingDecode(file);
    const memo = new DecodedMemo(1 << 20);
    for (let i = 0; i < 3; i++) memo.value(7, 'k', 42, file, 0, file.length, decode);
    file.write('b', file.indexOf('a')); // damage in place: same crc word claimed, new bytes
    expect(memo.value(7, 'k', 42, file, 0, file.length, decode)).toEqual({ n: 'b' });
    expect(calls).toEqual(['view', 'copy', 'view']);
  });

  it('keeps a new version at once only for a key whose last version was kept', () => {
    const v1 = json({ v: 1 });
    const v2 = json({ v: 2 });
    const memo = new DecodedMemo(1 << 20);
    const hot = recordingDecode(v2);
    memo.value(1, 'hot', 1, v1, 0, v1.length, hot.decode);
    memo.value(1, 'hot', 1, v1, 0, v1.length, hot.decode); // kept: a read-mostly key
    memo.value(1, 'hot', 2, v2, 0, v2.length, hot.decode); // new version, kept at once
    expect(memo.value(1, 'hot', 2, v2, 0, v2.length, hot.decode)).toEqual({ v: 2 });
    expect(hot.calls).toEqual(['copy', 'copy', 'copy']); // (v1 is not the file: 'copy')
    const counter = recordingDecode(v2);
    memo.value(2, 'counter', 1, v1, 0, v1.length, counter.decode); // read once, then changed
    memo.value(2, 'counter', 2, v2, 0, v2.length, counter.decode);
    expect(counter.calls).toEqual(['copy', 'view']);
  });

  it('keeps a working set that fits, however many keys are kept before the first hit', () => {
    const file = json({ v: 1 });
    const { calls, decode } = recordingDecode(file);
    const memo = new DecodedMemo(16 << 20); // 16,384 slots: these keys share none
    // 600 keys read twice (kept on the second read) before any is read a third time.
    for (let k = 0; k < 600; k++) {
      for (let n = 0; n < 2; n++) memo.value(k, `key${k}`, 1, file, 0, file.length, decode);
    }
    expect(calls.filter((c) => c === 'copy').length).toBe(600);
    const before = calls.length;
    for (let k = 0; k < 600; k++) {
      expect(memo.value(k, `key${k}`, 1, file, 0, file.length, decode)).toEqual({ v: 1 });
    }
    expect(calls.length).toBe(before);
  });

  it('stops keeping for a while when kept values are dropped before they are read again', () => {
    const file = json({ v: 1 });
    const { calls, decode } = recordingDecode(file);
    const memo = new DecodedMemo(64 * 1024); // 64 slots
    // 3,000 keys read twice each and never again: every kept value is pushed out unread.
    for (let k = 0; k < 3000; k++) {
      for (let n = 0; n < 2; n++) memo.value(k, `key${k}`, 1, file, 0, file.length, decode);
    }
    const copies = calls.filter((c) => c === 'copy').length;
    // Judged after 256 dropped values, then paused for 4,096 would-be keeps.
    expect(copies).toBeGreaterThanOrEqual(256);
    expect(copies).toBeLessThan(3000 - 4096 / 2);
  });

  it('keeps two keys that share a slot, in the pair the slot belongs to', () => {
    const small = json({ s: 'y' });
    const memo = new DecodedMemo(1024);
    const s = recordingDecode(small);
    for (let n = 0; n < 3; n++) {
      for (const key of ['a', 'b']) {
        expect(memo.value(5, key, 1, small, 0, small.length, s.decode)).toEqual({ s: 'y' });
      }
    }
    // First reads in place, second reads keep a copy, third reads are hits (no decode).
    expect(s.calls).toEqual(['view', 'view', 'copy', 'copy']);
  });

  it('never keeps values over a sixteenth of its budget, nor a key another key displaced', () => {
    const big = json({ s: 'x'.repeat(200) });
    const small = json({ s: 'y' });
    const memo = new DecodedMemo(1024); // 64 slots; values up to 64 bytes are kept
    const d = recordingDecode(big);
    for (let i = 0; i < 3; i++) memo.value(3, 'big', 1, big, 0, big.length, d.decode);
    expect(d.calls).toEqual(['view', 'view', 'view']);
    const s = recordingDecode(small);
    memo.value(5, 'a', 1, small, 0, small.length, s.decode);
    memo.value(5, 'b', 1, small, 0, small.length, s.decode); // the pair's other slot
    memo.value(5, 'c', 1, small, 0, small.length, s.decode); // a third key: 'a' is forgotten
    memo.value(5, 'a', 1, small, 0, small.length, s.decode);
    expect(s.calls).toEqual(['view', 'view', 'view', 'view']);
  });
});

describe('the cache with its decode memo', () => {
  let t: ReturnType<typeof scratchDir>;
  beforeEach(() => {
    t = scratchDir();
  });
  afterEach(() => t.cleanup());

  it('returns a new, equal object on every read, whatever the caller did to the last one', () => {
    const cache = t.open();
    cache.set('s', session());
    for (let i = 0; i < 5; i++) {
      const read = cache.get('s') as ReturnType<typeof session>;
      expect(read).toEqual(session());
      read.user.roles.push('admin');
      read.at.setTime(0);
    }
  });

  it('sees a same-length change written by another instance at once', () => {
    const reader = t.open();
    const writer = t.open();
    writer.set('s', { n: 'aaaa' });
    expect(reader.get('s')).toEqual({ n: 'aaaa' });
    expect(reader.get('s')).toEqual({ n: 'aaaa' }); // now kept
    writer.set('s', { n: 'bbbb' });
    expect(reader.get('s')).toEqual({ n: 'bbbb' });
    writer.delete('s');
    expect(reader.get('s')).toBeUndefined();
  });

  it('still decodes values it cannot copy, and the json codec uses it too', () => {
    const cbor = t.open();
    cbor.set('b', { buf: Buffer.from('abc') });
    for (let i = 0; i < 3; i++) expect(cbor.get('b')).toEqual({ buf: Buffer.from('abc') });
    const json = scratchDir();
    try {
      const cache = json.open({ codec: 'json' });
      cache.set('j', { a: [1, 'two'] });
      for (let i = 0; i < 3; i++) expect(cache.get('j')).toEqual({ a: [1, 'two'] });
    } finally {
      json.cleanup();
    }
  });

  it('can be turned off, and a bad size is a typed option error', () => {
    const cache = t.open({ decodeCache: 0 });
    cache.set('s', session());
    expect(cache.get('s')).toEqual(session());
    expect(codeOf(() => t.open({ decodeCache: -1 }))).toBe('ERR_FASTMMAP_INVALID_OPTION');
    expect(codeOf(() => t.open({ decodeCache: 1.5 }))).toBe('ERR_FASTMMAP_INVALID_OPTION');
  });
});
