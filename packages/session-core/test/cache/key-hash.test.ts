import fc from 'fast-check';
import { expect, it } from 'vitest';
import { asciiKeyHash, KEY_HASH_SEED, murmur3 } from '../../src/cache/hash.js';

/**
 * The ASCII fast path of key preparation must give exactly the bytes and hash of the general
 * path (UTF-8 + MurmurHash3): both end up in the file, where other processes and the repair
 * code recompute them with the general path.
 */
it('asciiKeyHash matches murmur3 over UTF-8 for ASCII keys, and refuses anything else', () => {
  const out = Buffer.alloc(4096);
  const ref = Buffer.alloc(4096);
  const check = (key: string) => {
    const hash = asciiKeyHash(key, out);
    if ([...key].some((c) => c.codePointAt(0)! > 0x7f)) {
      expect(hash).toBe(-1);
      return;
    }
    const n = ref.write(key, 0, 'utf8');
    expect(n).toBe(key.length);
    expect(hash).toBe(murmur3(ref, 0, n, KEY_HASH_SEED));
    expect(out.subarray(0, n).equals(ref.subarray(0, n))).toBe(true);
  };
  fc.assert(
    fc.property(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 70 }), (k) => check(k)),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (k) => check(k)),
  );
  // A non-ASCII char in the word loop and in the tail (lengths 1-3 past a multiple of 4).
  for (const key of ['é', 'abcé', 'abcdé', 'abcdeé', 'abcdefé', 'abcd\u{1F600}']) check(key);
});
