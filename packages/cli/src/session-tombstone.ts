import { decoderFor } from './decode.js';

/**
 * The session manager of @fastmmap/session-core keeps its metadata under this top-level key.
 * destroy() and regenerate() leave `{ __fastmmap: { dead: true, ... } }` under the old id for
 * a few minutes, so that a request still in flight cannot bring the session back
 * (manager/record.ts there). Such an item is in the cache but is no live session.
 */
const META_KEY = '__fastmmap';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** A decoded value that is a destroyed session's tombstone; any other value is not. */
export function isSessionTombstone(value: unknown): boolean {
  if (!isObject(value) || !Object.hasOwn(value, META_KEY)) return false;
  const meta = value[META_KEY];
  return isObject(meta) && meta.dead === true;
}

export type TombstoneTest = (bytes: Uint8Array) => boolean;

/**
 * Tells tombstones apart by their stored bytes, in the codec the file records (sessions are
 * cbor). In a raw or custom-codec file nothing is a tombstone. Every session mentions the meta
 * key but only a tombstone also says "dead": a value that lacks either word is not decoded,
 * which keeps a scan of the whole file cheap.
 */
export async function tombstoneTest(fileCodec: string): Promise<TombstoneTest> {
  if (fileCodec !== 'cbor' && fileCodec !== 'json') return () => false;
  const decode = await decoderFor(fileCodec);
  return (bytes) => {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!buffer.includes(META_KEY) || !buffer.includes('dead')) return false;
    try {
      return isSessionTombstone(decode(bytes));
    } catch {
      return false; // undecodable: not ours to judge (`get` of its key says why)
    }
  };
}
