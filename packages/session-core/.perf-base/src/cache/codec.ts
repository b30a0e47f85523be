import { Encoder } from 'cbor-x';
import { FastMmapError } from './errors.js';
import type { Codec, CodecOption } from './types.js';

/**
 * cbor-x without records or shared structures (a reader without them would decode wrong values
 * silently), byte strings copied out (never aliasing the input) and plain objects for maps.
 */
function cborCodec(): Codec {
  const cbor = new Encoder({ useRecords: false, copyBuffers: true, mapsAsObjects: true });
  const codec: Codec = {
    name: 'cbor',
    encode: (value) => cbor.encode(value),
    decode: (bytes) => cbor.decode(bytes),
  };
  copyingDecoders.add(codec);
  return codec;
}

/** Codecs whose decoded values never reference the input bytes, so a reused buffer is safe. */
const copyingDecoders = new WeakSet<Codec>();

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

copyingDecoders.add(jsonCodec);

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
  if (
    typeof option === 'object' &&
    option !== null &&
    typeof option.name === 'string' &&
    typeof option.encode === 'function' &&
    typeof option.decode === 'function'
  ) {
    // The name is recorded in the file header (32 bytes) and compared at every open.
    if (!/^[\x21-\x7e]{1,32}$/.test(option.name)) {
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

/** False for raw and custom codecs: they get a fresh copy of the bytes to keep. */
export function decodeCopiesBytes(codec: Codec): boolean {
  return copyingDecoders.has(codec);
}
