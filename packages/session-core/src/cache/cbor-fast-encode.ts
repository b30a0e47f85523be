/**
 * A CBOR encoder for the common shape of session data (plain objects and arrays of ASCII
 * strings, numbers, booleans, null, undefined and Dates), writing the very bytes cbor-x writes
 * with the cache's options (`useRecords: false`, `variableMapSize: true`) and its built-in Date
 * extension (tag 1). Anything else (non-ASCII text, invalid Dates, Buffers, Maps, BigInts, class
 * instances, __proto__ keys, values over 1 MiB, deep trees) gives undefined, and the caller
 * encodes with cbor-x.
 * Giving up late costs the work done so far: Dates are common in sessions (a login time, an
 * expiry), and one used to send the whole session through both encoders. It skips cbor-x's
 * per-call setup and writes into one reused buffer, handing out one view per length up to
 * 4 KiB (created once): no allocation. The result is valid until the next call.
 */
const MAX_DEPTH = 32;
/** Lengths up to this get a view made once; the buffer starts at this size too. */
const CACHED_VIEWS = 4096;
/**
 * The buffer doubles when a value does not fit, up to this: a larger value goes to cbor-x.
 * Before, values over 4 KiB did, at ~3x the cost per byte plus the store's check walk.
 */
const MAX_CAPACITY = 1 << 20;

// utf8Write: Buffer's own UTF-8 writer (what buffer.write calls), missing from the typings.
type WritableBuffer = Buffer & { utf8Write(text: string, offset: number): number };
let capacity = CACHED_VIEWS;
let buffer = Buffer.allocUnsafeSlow(capacity) as WritableBuffer;
/** Set when a write gave up for want of room, not for the value's shape: worth a retry. */
let overflowed = false;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
/** Little-endian hosts store a double's bytes reversed from CBOR's big-endian order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const views = new Array<Buffer | undefined>(CACHED_VIEWS + 1).fill(undefined);
let position = 0;
let busy = false;

/** cbor-x's bytes for `value`, or undefined when the value is not of the common shape. */
export function fastCborEncode(value: unknown): Buffer | undefined {
  // A getter that encodes (through a cache) while we write leaves that encode to cbor-x.
  if (busy) return undefined;
  busy = true;
  let done: boolean;
  try {
    for (;;) {
      position = 0;
      overflowed = false;
      done = write(value, 0);
      if (done || !overflowed || capacity >= MAX_CAPACITY) break;
      grow();
    }
  } finally {
    busy = false;
  }
  if (!done) return undefined;
  const length = position;
  if (length > CACHED_VIEWS) return buffer.subarray(0, length);
  let view = views[length];
  if (view === undefined) {
    view = buffer.subarray(0, length);
    views[length] = view;
  }
  return view;
}

/** A buffer twice as large; the views of the old one are dropped (earlier results keep it). */
function grow(): void {
  capacity = Math.min(capacity * 2, MAX_CAPACITY);
  buffer = Buffer.allocUnsafeSlow(capacity) as WritableBuffer;
  views.fill(undefined);
}

/** Whether `n` more bytes fit; if not, the encode is retried in a larger buffer. */
function room(n: number): boolean {
  if (position + n <= capacity) return true;
  overflowed = true;
  return false;
}

// typeof tests one at a time, most common first: TurboFan turns each into a type check, where a
// switch on typeof calls a builtin for the string (13% of the encode in a profile).
function write(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return writeString(value);
  if (typeof value === 'number') return writeNumber(value);
  if (typeof value === 'object') {
    if (value === null) return writeByte(0xf6);
    if (depth === MAX_DEPTH) return false;
    return writeContainer(value, depth + 1);
  }
  if (typeof value === 'boolean') return writeByte(value ? 0xf5 : 0xf4);
  if (value === undefined) return writeByte(0xf7);
  return false;
}

function writeByte(byte: number): boolean {
  if (!room(1)) return false;
  buffer[position++] = byte;
  return true;
}

/** A major type's head with argument `n` (an unsigned 32-bit integer), as cbor-x writes it. */
function writeHead(major: number, n: number): boolean {
  if (!room(5)) return false;
  if (n < 0x18) {
    buffer[position++] = major | n;
  } else if (n < 0x100) {
    buffer[position++] = major | 0x18;
    buffer[position++] = n;
  } else if (n < 0x10000) {
    buffer[position++] = major | 0x19;
    buffer[position++] = n >>> 8;
    buffer[position++] = n & 0xff;
  } else {
    buffer[position++] = major | 0x1a;
    buffer[position++] = n >>> 24;
    buffer[position++] = (n >>> 16) & 0xff;
    buffer[position++] = (n >>> 8) & 0xff;
    buffer[position++] = n & 0xff;
  }
  return true;
}

// The same tests, in the same order, as cbor-x's number branch (so -0 is written as 0).
function writeNumber(value: number): boolean {
  if (value >>> 0 === value) return writeHead(0x00, value);
  if (value >> 0 === value) return writeHead(0x20, ~value);
  if (value < 0 && value >= -0x100000000 && Math.floor(value) === value) {
    return writeHead(0x20, -1 - value);
  }
  // A NaN's payload bits might be written differently: cbor-x's DataView decides.
  if (Number.isNaN(value)) return false;
  return writeFloat64(value);
}

/** A float64 item, big-endian, as cbor-x's DataView writes it. */
function writeFloat64(value: number): boolean {
  if (!room(9)) return false;
  buffer[position++] = 0xfb;
  f64[0] = value;
  if (LITTLE_ENDIAN) for (let i = 7; i >= 0; i--) buffer[position++] = f64Bytes[i]!;
  else for (let i = 0; i < 8; i++) buffer[position++] = f64Bytes[i]!;
  return true;
}

/** From this length on, one utf8Write call beats the per-char loop. */
const LONG_STRING = 24;

function writeString(value: string): boolean {
  const length = value.length;
  if (!writeHead(0x60, length) || !room(length)) return false;
  // With room for 3 bytes per char nothing is cut off, so exactly `length` bytes written means
  // all ASCII (any other char, lone surrogates too, takes 2 or 3).
  if (length >= LONG_STRING && position + 3 * length <= capacity) {
    const written = buffer.utf8Write(value, position);
    position += written;
    return written === length;
  }
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return false; // UTF-8 is left to cbor-x
    buffer[position++] = c;
  }
  return true;
}

/**
 * cbor-x's Date extension: tag 1, then the epoch seconds as a uint32 when whole and in range,
 * else as a float64. (A Date extension added through cbor-x's addExtension would win in cbor-x
 * but not here; both decode to the same Date with cbor-x's own tag 1 reader.)
 */
function writeDate(date: Date): boolean {
  const ms = date.getTime();
  if (Number.isNaN(ms) || !writeByte(0xc1)) return false;
  const seconds = ms / 1000;
  if (ms % 1000 === 0 && seconds >= 0 && seconds < 0x100000000) {
    if (!room(5)) return false;
    buffer[position++] = 0x1a;
    buffer[position++] = seconds >>> 24;
    buffer[position++] = (seconds >>> 16) & 0xff;
    buffer[position++] = (seconds >>> 8) & 0xff;
    buffer[position++] = seconds & 0xff;
    return true;
  }
  return writeFloat64(seconds);
}

function writeContainer(value: object, depth: number): boolean {
  const proto = Object.getPrototypeOf(value);
  // cbor-x picks by `value.constructor`: an own `constructor` key could change its choice.
  if (Object.hasOwn(value, 'constructor')) return false;
  if (proto === Date.prototype) return writeDate(value as Date);
  if (proto === Array.prototype) {
    const array = value as unknown[];
    const length = array.length;
    if (!writeHead(0x80, length)) return false;
    for (let i = 0; i < length; i++) if (!write(array[i], depth)) return false;
    return true;
  }
  // Null prototypes (request.query's too) go to cbor-x, which writes an object without a
  // constructor as a map.
  if (proto !== Object.prototype) return false;
  const keys = Object.keys(value);
  const length = keys.length;
  if (!writeHead(0xa0, length)) return false;
  for (let i = 0; i < length; i++) {
    const key = keys[i]!;
    // cbor-x's decoder renames an own __proto__ key: left to the slow path, and its checks.
    if (key === '__proto__') return false;
    if (!writeString(key) || !write((value as Record<string, unknown>)[key], depth)) return false;
  }
  return true;
}
