/**
 * A CBOR decoder for the common shape of session data, giving what cbor-x gives with the
 * cache's options (`mapsAsObjects`, no records): definite-length maps with ASCII text keys,
 * arrays, ASCII text, integers up to 32 bits, float64, booleans, null and undefined. For
 * anything else (other keys, non-ASCII text, byte strings, tags, 64-bit integers, float16/32,
 * indefinite lengths, a `__proto__` key, deep trees, damaged or truncated bytes) it gives
 * FALLBACK and the caller decodes with cbor-x, which decides or throws as before. It skips
 * cbor-x's per-call setup and DataView, and takes map keys from a small cache of strings
 * instead of building them again on every read.
 */
export const FALLBACK: unique symbol = Symbol('fallback');

const MAX_DEPTH = 32;
/** Keys up to this many bytes are looked up in the key cache. */
const KEY_MAX = 24;
const KEY_SLOTS = 256;
/** Shorter text is built in JS; longer is one call into Buffer (ASCII is Latin-1). */
const SHORT_TEXT = 16;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const keyStrings = new Array<string | undefined>(KEY_SLOTS).fill(undefined);
const keyBytes = new Uint8Array(KEY_SLOTS * KEY_MAX);

const EMPTY = Buffer.alloc(0);
let src: Buffer = EMPTY;
let pos = 0;
let end = 0;
let busy = false;

/** The value of the CBOR item in `source[start, end)`, or FALLBACK. */
export function fastCborDecode(
  source: Buffer,
  start: number,
  stop: number,
): unknown | typeof FALLBACK {
  if (busy) return FALLBACK; // cannot happen (nothing here calls out), but stay safe
  busy = true;
  try {
    src = source;
    pos = start;
    end = stop;
    const value = read(0);
    return pos === end ? value : FALLBACK;
  } finally {
    src = EMPTY;
    busy = false;
  }
}

/** The argument of a head whose low 5 bits are `info`, or -1 if unsupported or truncated. */
function argument(info: number): number {
  if (info < 24) return info;
  if (info === 24) return pos < end ? src[pos++]! : -1;
  if (info === 25) {
    if (pos + 2 > end) return -1;
    const n = (src[pos]! << 8) | src[pos + 1]!;
    pos += 2;
    return n;
  }
  if (info === 26) {
    if (pos + 4 > end) return -1;
    const n =
      src[pos]! * 0x1000000 + ((src[pos + 1]! << 16) | (src[pos + 2]! << 8) | src[pos + 3]!);
    pos += 4;
    return n;
  }
  return -1; // 64-bit arguments (cbor-x: BigInt) and indefinite lengths
}

function read(depth: number): unknown {
  if (pos >= end) return FALLBACK;
  const head = src[pos++]!;
  const major = head >>> 5;
  const info = head & 0x1f;
  if (major === 7) return simple(info);
  const n = argument(info);
  if (n < 0) return FALLBACK;
  switch (major) {
    case 0:
      return n;
    case 1:
      return -1 - n;
    case 3:
      return text(n);
    case 4:
      return depth === MAX_DEPTH ? FALLBACK : array(n, depth + 1);
    case 5:
      return depth === MAX_DEPTH ? FALLBACK : map(n, depth + 1);
    default:
      return FALLBACK; // byte strings (2) and tags (6)
  }
}

function simple(info: number): unknown {
  switch (info) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23:
      return undefined;
    case 27: {
      if (pos + 8 > end) return FALLBACK;
      if (LITTLE_ENDIAN) for (let i = 7; i >= 0; i--) f64Bytes[i] = src[pos++]!;
      else for (let i = 0; i < 8; i++) f64Bytes[i] = src[pos++]!;
      return f64[0];
    }
    default:
      return FALLBACK; // float16/32 (cbor-x may round them), other simple values, break
  }
}

function text(length: number): string | typeof FALLBACK {
  if (length > end - pos) return FALLBACK;
  const start = pos;
  const stop = pos + length;
  for (let i = start; i < stop; i++) if (src[i]! >= 0x80) return FALLBACK; // UTF-8: cbor-x
  pos = stop;
  if (length > SHORT_TEXT) return src.toString('latin1', start, stop);
  let s = '';
  for (let i = start; i < stop; i++) s += String.fromCharCode(src[i]!);
  return s;
}

function array(length: number, depth: number): unknown {
  if (length > end - pos) return FALLBACK; // every item takes a byte at least
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    const item = read(depth);
    if (item === FALLBACK) return FALLBACK;
    out[i] = item;
  }
  return out;
}

function map(size: number, depth: number): unknown {
  if (size > (end - pos) / 2) return FALLBACK; // every entry takes two bytes at least
  const out: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) {
    if (pos >= end) return FALLBACK;
    const head = src[pos]!;
    if (head >>> 5 !== 3) return FALLBACK; // a key other than text
    pos++;
    const length = argument(head & 0x1f);
    if (length < 0) return FALLBACK;
    const key = length <= KEY_MAX ? cachedKey(length) : text(length);
    // cbor-x renames `__proto__`; this leaves that to it.
    if (key === FALLBACK || key === '__proto__') return FALLBACK;
    const value = read(depth);
    if (value === FALLBACK) return FALLBACK;
    out[key] = value;
  }
  return out;
}

/** The key of `length` ASCII bytes at `pos`, from the key cache when it was seen before. */
function cachedKey(length: number): string | typeof FALLBACK {
  if (length > end - pos) return FALLBACK;
  let hash = length;
  for (let i = pos; i < pos + length; i++) hash = Math.imul(hash ^ src[i]!, 0x01000193);
  const slot = (hash >>> 24) & (KEY_SLOTS - 1);
  const cached = keyStrings[slot];
  const at = slot * KEY_MAX;
  if (cached !== undefined && cached.length === length) {
    let j = 0;
    while (j < length && keyBytes[at + j] === src[pos + j]) j++;
    if (j === length) {
      pos += length;
      return cached;
    }
  }
  const start = pos;
  const key = text(length);
  if (key === FALLBACK) return FALLBACK;
  for (let j = 0; j < length; j++) keyBytes[at + j] = src[start + j]!;
  keyStrings[slot] = key;
  return key;
}
