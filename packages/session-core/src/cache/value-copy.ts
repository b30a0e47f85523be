/**
 * Private copies of values for the raw and custom codecs (whose results may keep the bytes):
 * like Buffer.allocUnsafe's pool (uninitialised, 8-aligned slices of a shared slab, never
 * overlapping), but with 32 KiB slabs instead of 8 KiB, so a stream of 1 KiB reads allocates an
 * ArrayBuffer every 32 reads instead of every 8. A kept copy keeps its slab alive, as with
 * Node's pool; values over 4 KiB get their own allocation.
 */
const SLAB_SIZE = 32 * 1024;
const POOLED_MAX = 4 * 1024;

/**
 * Node's own Buffer class (what Buffer.from and subarray construct): `new` on it makes a view
 * ~70 ns faster than `slab.subarray()`, which looks the class up through Symbol.species on each
 * call (measured in isolation). Buffer.from(arrayBuffer, ...) where Node differs.
 */
const species: unknown = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species];
const NodeBuffer =
  typeof species === 'function' && species !== Buffer && species.prototype === Buffer.prototype
    ? (species as new (
        buffer: ArrayBufferLike,
        byteOffset: number,
        length: number,
      ) => Buffer)
    : undefined;

let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let used = 0;

/** A fresh Buffer with a copy of `length` bytes of `buffer` from `byteOffset`. */
export function copyOut(buffer: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  const src = new Uint8Array(buffer, byteOffset, length);
  if (length > POOLED_MAX) {
    const own = Buffer.allocUnsafe(length);
    own.set(src);
    return own;
  }
  if (used + length > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    used = 0;
  }
  const at = slab.byteOffset + used;
  slab.set(src, used);
  used = (used + length + 7) & ~7;
  return NodeBuffer !== undefined
    ? new NodeBuffer(slab.buffer, at, length)
    : Buffer.from(slab.buffer, at, length);
}
