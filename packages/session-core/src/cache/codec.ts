import { Encoder } from 'cbor-x';
import { FALLBACK, fastCborDecode } from './cbor-fast-decode.js';
import { fastCborEncode } from './cbor-fast-encode.js';
import { FastMmapError } from './errors.js';
import { isCodecName } from './layout.js';
import type { Codec, CodecOption } from './types.js';

/**
 * cbor-x without records or shared structures (a reader without them would decode wrong values
 * silently), byte strings copied out (never aliasing the input) and plain objects for maps.
 * `variableMapSize` writes each map's exact-size header (standard, smallest CBOR) from
 * Object.keys/values, which cbor-x does faster than its default for-in with a 16-bit header
 * patched afterwards; both forms decode the same, so files written either way stay readable.
 */
function cborCodec(checkSlowPath?: (value: unknown) => void): Codec {
  const cbor = new Encoder({
    useRecords: false,
    copyBuffers: true,
    mapsAsObjects: true,
    variableMapSize: true,
  });
  const codec: Codec = {
    name: 'cbor',
    // The fast path's bytes are a reused buffer's: the cache copies them into the file at once.
    encode:
      checkSlowPath === undefined
        ? (value) => fastCborEncode(value) ?? cbor.encode(value)
        : (value) => {
            const bytes = fastCborEncode(value);
            if (bytes !== undefined) return bytes;
            checkSlowPath(value);
            return cbor.encode(value);
          },
    decode: (bytes) => cbor.decode(bytes),
  };
  const decodeCopy = reusedBufferDecode((bytes) => cbor.decode(bytes));
  // Small values of the common session shapes decode straight from the source; the rest
  // through cbor-x, whose native string extraction wins on larger values (measured: 1 KiB
  // sessions read at random decode ~25% faster with cbor-x, small ones ~30% slower).
  rangeDecoders.set(codec, (source, start, end) => {
    const value = end - start <= FAST_DECODE_MAX ? fastCborDecode(source, start, end) : FALLBACK;
    return value === FALLBACK ? decodeCopy(source, start, end) : value;
  });
  return codec;
}

/**
 * The 'cbor' codec, calling `check` on each value the fast encoder does not take before cbor-x
 * encodes it. For a caller that must reject some values: whatever the fast encoder takes (plain
 * objects and arrays of ASCII strings, numbers, booleans, null, undefined and Dates, no cycles)
 * it has already vetted by walking it, so only the rest pays for a second walk.
 */
export function checkedCborCodec(check: (value: unknown) => void): Codec {
  return cborCodec(check);
}

/** Decodes the value bytes `source[start, end)`. */
export type RangeDecode = (source: Buffer, start: number, end: number) => unknown;

/**
 * Codecs whose decoded values never reference the input bytes (so they may read the mapping or a
 * reused buffer), with how each decodes a range of a buffer.
 */
const rangeDecoders = new WeakMap<Codec, RangeDecode>();

/** Values up to this size try the fast decoder first. */
const FAST_DECODE_MAX = 256;
/** Values up to this size are decoded from one reused buffer. */
const REUSED_MAX = 4096;
/** Up to this size a byte loop copies faster than a Buffer.copy call. */
const LOOP_COPY_MAX = 64;

/**
 * cbor-x decodes from position 0 of a Buffer and caches a DataView on it: a fresh subarray per
 * read costs a Buffer and a DataView (a C++ constructor call), ~0.3 µs of a ~0.6 µs small decode.
 * This copies the bytes into one reused buffer instead and decodes a view of it of the exact
 * length (one view per length, created once), so the decoder sees what it saw before.
 */
function reusedBufferDecode(decode: (bytes: Buffer) => unknown): RangeDecode {
  const buffer = Buffer.allocUnsafeSlow(REUSED_MAX);
  const views = new Array<Buffer | undefined>(REUSED_MAX + 1).fill(undefined);
  let busy = false; // a decode re-entered from a cbor-x extension gets its own subarray
  return (source, start, end) => {
    const length = end - start;
    if (length > REUSED_MAX || busy) return decode(source.subarray(start, end));
    if (length <= LOOP_COPY_MAX) {
      for (let i = 0; i < length; i++) buffer[i] = source[start + i]!;
    } else {
      source.copy(buffer, 0, start, end);
    }
    let view = views[length];
    if (view === undefined) {
      view = buffer.subarray(0, length);
      views[length] = view;
    }
    busy = true;
    try {
      return decode(view);
    } finally {
      busy = false;
    }
  };
}

const jsonCodec: Codec = {
  name: 'json',
  encode(value) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError('value is not representable as JSON');
    return Buffer.from(text, 'utf8');
  },
  decode(bytes) {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  },
};

rangeDecoders.set(jsonCodec, (source, start, end) =>
  JSON.parse(source.toString('utf8', start, end)),
);

/** Bytes in, a fresh Buffer out (the cache copies values out of the mapping before decode). */
const rawCodec: Codec = {
  name: 'raw',
  encode(value) {
    if (!(value instanceof Uint8Array))
      throw new TypeError('the raw codec stores Uint8Array/Buffer values only');
    return value;
  },
  decode(bytes) {
    return Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  },
};

export function resolveCodec(option: CodecOption | undefined): Codec {
  if (option === undefined || option === 'cbor') return cborCodec();
  if (option === 'json') return jsonCodec;
  if (option === 'raw') return rawCodec;
  if (typeof option === 'object' && option !== null) {
    // Say what is missing: `{ encode, decode }` alone is the usual first try.
    const missing = [
      typeof option.name !== 'string' && 'name (a string, recorded in the file header)',
      typeof option.encode !== 'function' && 'encode (a function)',
      typeof option.decode !== 'function' && 'decode (a function)',
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new FastMmapError(
        'ERR_FASTMMAP_INVALID_OPTION',
        `a custom codec is { name, encode, decode }; this one has no ${missing.join(', no ')}`,
      );
    }
    // The name is recorded in the file header (32 bytes) and compared at every open.
    if (!isCodecName(option.name)) {
      throw new FastMmapError(
        'ERR_FASTMMAP_INVALID_OPTION',
        `a custom codec needs a name of 1-32 printable ASCII characters, got ${JSON.stringify(option.name)}`,
      );
    }
    return option;
  }
  throw new FastMmapError(
    'ERR_FASTMMAP_INVALID_OPTION',
    `codec must be 'cbor', 'json', 'raw' or { name, encode, decode }, got ${String(option)}`,
  );
}

/** Undefined for raw and custom codecs: they get a fresh copy of the bytes to keep. */
export function rangeDecoderOf(codec: Codec): RangeDecode | undefined {
  return rangeDecoders.get(codec);
}
