import { randomFillSync } from 'node:crypto';
import { Decoder, Encoder } from 'cbor-x';
import { RedisStoreError } from './errors.js';

/**
 * One session is one Redis string: a 33-byte ASCII header, then the encoded data.
 *
 *   offset 0      'f'                format marker (version 1)
 *   offset 1      'c' | 'j'          codec of the payload (cbor or json)
 *   offset 2-16   15 decimal digits  absolute expiry, ms since the epoch, zero-padded
 *   offset 17-32  16 hex digits      write tag: random, new on every data write
 *   offset 33-    payload
 *
 * ASCII, fixed offsets: the Lua scripts read and patch the expiry with GETRANGE/SETRANGE
 * (touch never rewrites the data) and compare the write tag for compare-and-set.
 */
export const HEADER_LENGTH = 33;
export const EXPIRY_OFFSET = 2;
export const EXPIRY_DIGITS = 15;
export const TAG_OFFSET = 17;
export const TAG_LENGTH = 16;
const FORMAT_MARK = 0x66; // 'f'
export const MAX_EXPIRY = 10 ** EXPIRY_DIGITS - 1;

export type CodecName = 'cbor' | 'json';
export const CODEC_MARK: Record<CodecName, number> = { cbor: 0x63, json: 0x6a }; // 'c', 'j'

// No records/structures (a reader without them would decode garbage), copied buffers.
// variableMapSize: exact map headers, smaller output and a little faster to encode here.
const cborEncoder = new Encoder({ useRecords: false, variableMapSize: true });
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true, copyBuffers: true });

export interface DecodedRecord {
  data: Record<string, unknown>;
  expiresAt: number;
  tag: string;
}

// Tags come from a pool of random bytes: one randomFillSync per 512 writes, not per write.
const tagPool = Buffer.alloc(4096);
let tagPoolOffset = tagPool.length;

export function newTag(): string {
  const bytes = TAG_LENGTH / 2;
  if (tagPoolOffset + bytes > tagPool.length) {
    randomFillSync(tagPool);
    tagPoolOffset = 0;
  }
  tagPoolOffset += bytes;
  return tagPool.toString('hex', tagPoolOffset - bytes, tagPoolOffset);
}

/**
 * The latest expiry a record can hold (15 digits: the year 33658). A larger ttl is accepted,
 * as every store accepts it, and means this instant; Redis's own deadline is capped the same
 * way, since Redis refuses a deadline beyond 64 bits.
 */
export function capExpiry(expiresAt: number): number {
  return Math.min(expiresAt, MAX_EXPIRY);
}

export function formatExpiry(expiresAt: number): string {
  return String(capExpiry(expiresAt)).padStart(EXPIRY_DIGITS, '0');
}

/**
 * JSON.stringify's replacer for the json codec: throws on what JSON would silently turn into
 * something else (a Map or Set into {}, a typed array or Buffer into an object, NaN, Infinity,
 * an invalid Date or an undefined array element into null). It judges `this[key]`, the value
 * before toJSON: `value` is already a Buffer's {type, data} or a Date's string (or null).
 * Valid Dates are written as their ISO strings, as documented.
 */
function refuseLossyJson(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (typeof original === 'number') {
    if (!Number.isFinite(original))
      throw new TypeError(`${where(this, key)} is ${original}, which JSON writes as null`);
  } else if (original === undefined) {
    // Object values that are undefined are dropped, as documented; array elements become null.
    if (Array.isArray(this))
      throw new TypeError(`${where(this, key)} is undefined, which JSON writes as null`);
  } else if (original instanceof Date) {
    if (Number.isNaN(original.getTime()))
      throw new TypeError(`${where(this, key)} is an invalid Date, which JSON writes as null`);
  } else if (original instanceof Map || original instanceof Set || ArrayBuffer.isView(original)) {
    throw new TypeError(
      `${where(this, key)} is ${kindOf(original)}, which JSON cannot keep (use codec 'cbor')`,
    );
  }
  return value;
}

function kindOf(value: Map<unknown, unknown> | Set<unknown> | ArrayBufferView): string {
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  return Buffer.isBuffer(value) ? 'a Buffer' : `a ${value.constructor.name}`;
}

// Built only when throwing: the replacer runs for every value of every write.
function where(holder: unknown, key: string): string {
  if (Array.isArray(holder)) return `element ${key} of an array`;
  return key === '' ? 'the data' : `the value of ${JSON.stringify(key)}`;
}

/** Encodes only the payload, so a size check can run before anything is sent. */
export function encodePayload(codec: CodecName, data: Record<string, unknown>): Uint8Array {
  return codec === 'cbor'
    ? cborEncoder.encode(data)
    : Buffer.from(JSON.stringify(data, refuseLossyJson), 'utf8');
}

export function buildRecord(
  codec: CodecName,
  payload: Uint8Array,
  expiresAt: number,
  tag: string,
): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.byteLength);
  out[0] = FORMAT_MARK;
  out[1] = CODEC_MARK[codec];
  out.write(formatExpiry(expiresAt), EXPIRY_OFFSET, 'latin1');
  out.write(tag, TAG_OFFSET, 'latin1');
  out.set(payload, HEADER_LENGTH);
  return out;
}

// The message names the prefix, never the key: the rest of the key is a session id.
export function corrupt(prefix: string, why: string, cause?: unknown): RedisStoreError {
  return new RedisStoreError(
    'ERR_REDIS_CORRUPT_RECORD',
    `a key under the prefix ${JSON.stringify(prefix)} does not hold a session record of this store (${why})`,
    { cause },
  );
}

/** Reads a record; anything that is not one (another app's value, damage) is a typed error. */
export function decodeRecord(prefix: string, bytes: Buffer): DecodedRecord {
  if (bytes.length < HEADER_LENGTH || bytes[0] !== FORMAT_MARK) throw corrupt(prefix, 'bad header');
  const expiryText = bytes.toString('latin1', EXPIRY_OFFSET, EXPIRY_OFFSET + EXPIRY_DIGITS);
  if (!/^\d+$/.test(expiryText)) throw corrupt(prefix, 'bad expiry');
  const tag = bytes.toString('latin1', TAG_OFFSET, TAG_OFFSET + TAG_LENGTH);
  const payload = bytes.subarray(HEADER_LENGTH);
  let data: unknown;
  try {
    if (bytes[1] === CODEC_MARK.cbor) data = cborDecoder.decode(payload);
    else if (bytes[1] === CODEC_MARK.json) data = JSON.parse(payload.toString('utf8'));
    else throw corrupt(prefix, 'unknown codec');
  } catch (err) {
    if (err instanceof RedisStoreError) throw err;
    throw corrupt(prefix, 'payload does not decode', err);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw corrupt(prefix, 'payload is not an object');
  }
  return { data: data as Record<string, unknown>, expiresAt: Number(expiryText), tag };
}
