/** MurmurHash3's per-word scramble. Small enough for V8 to inline on the key path. */
function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/** One full 4-byte round of MurmurHash3. */
function mixBlock(h: number, k: number): number {
  h ^= scramble(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3 (x86, 32-bit) over bytes: good avalanche, so keys that differ only in their
 * last characters spread over pages and slots (Cache::FastMmap's hash clusters them).
 */
export function murmur3(bytes: Uint8Array, start: number, length: number, seed: number): number {
  let h = seed | 0;
  const tail = start + (length & ~3);
  for (let i = start; i < tail; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24) | 0;
    h = mixBlock(h, k);
  }
  const rest = length & 3;
  if (rest !== 0) {
    let k = 0;
    if (rest === 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
    h ^= scramble(k);
  }
  h ^= length;
  return fmix32(h);
}

/** Host byte order; the file's is the host's (its header's byte-order mark refuses others). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function wordView(out: Uint8Array): Uint32Array {
  return new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
}

/**
 * For an all-ASCII `key` (UTF-8 = one byte per char): writes its bytes to `out` and returns
 * `murmur3(out, 0, key.length, KEY_HASH_SEED)`, in one pass without a call into C++. Returns -1
 * as soon as a char is not ASCII (the caller then takes the general UTF-8 path; `out` holds
 * garbage). Keys are mostly ASCII (ids, prefixes), and this is every call's first step.
 * `words` is a Uint32Array over the same bytes as `out` (4-aligned); the bytes past the key in
 * its last word are zeroed.
 */
export function asciiKeyHash(
  key: string,
  out: Uint8Array,
  words: Uint32Array = wordView(out),
): number {
  const length = key.length;
  const tail = length & ~3;
  let h = KEY_HASH_SEED | 0;
  for (let i = 0; i < tail; i += 4) {
    const c0 = key.charCodeAt(i);
    const c1 = key.charCodeAt(i + 1);
    const c2 = key.charCodeAt(i + 2);
    const c3 = key.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 0x7f) return -1;
    const k = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    // k holds the 4 bytes in little-endian order: one word store instead of 4 byte stores.
    if (LITTLE_ENDIAN) {
      words[i >>> 2] = k;
    } else {
      out[i] = c0;
      out[i + 1] = c1;
      out[i + 2] = c2;
      out[i + 3] = c3;
    }
    h = mixBlock(h, k);
  }
  const rest = length & 3;
  if (rest !== 0) {
    let k = 0;
    for (let j = rest - 1; j >= 0; j--) {
      const c = key.charCodeAt(tail + j);
      if (c > 0x7f) return -1;
      if (!LITTLE_ENDIAN) out[tail + j] = c;
      k = (k << 8) | c;
    }
    if (LITTLE_ENDIAN) words[tail >>> 2] = k;
    h ^= scramble(k);
  }
  h ^= length;
  return fmix32(h);
}

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const KEY_HASH_SEED = 0x2545f491;

/** The start slot comes from a remix of the hash, the page from `hash % numPages`. */
export function slotHash(hash: number): number {
  return fmix32(hash ^ 0x9e3779b9);
}
