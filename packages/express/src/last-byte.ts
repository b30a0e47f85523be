import type { ServerResponse } from 'node:http';
import type { ResponseMethod } from './commit-on-end.js';
import type { RequestSession } from './request-session.js';

/** The body's last byte, held back by write(), and the write() that sends it. */
export interface HeldByte {
  readonly byte: Buffer;
  readonly write: ResponseMethod;
}

/** Encodings whose byte count only decoding tells (whitespace, invalid characters). */
const DECODED = new Set<string>(['base64', 'base64url', 'hex']);

/** The response's Content-Length, if it has a usable one. */
function contentLength(res: ServerResponse): number | undefined {
  const value = res.getHeader('content-length');
  const length = typeof value === 'string' ? Number(value) : value;
  return typeof length === 'number' && Number.isSafeInteger(length) && length > 0
    ? length
    : undefined;
}

/**
 * `res.write` of a body with a Content-Length: the client has the whole response at its last
 * byte, and send() (res.sendFile, res.download, express.static) writes every byte before it
 * calls end(), where the commit runs. So the write that completes the body sends all but its
 * last byte, which end() sends once the commit is done: the client's next request sees the
 * change, and a failed commit leaves it an incomplete response rather than a false success.
 */
export function writeHoldingLastByte(
  res: ServerResponse,
  state: RequestSession,
  args: unknown[],
  write: ResponseMethod,
): unknown {
  const [chunk, second, third] = args;
  const length = contentLength(res);
  if (length === undefined || !(typeof chunk === 'string' || chunk instanceof Uint8Array)) {
    return write.apply(res, args);
  }
  const encoding = typeof second === 'string' ? (second as BufferEncoding) : undefined;
  if (typeof chunk === 'string' && !DECODED.has((encoding ?? 'utf8').toLowerCase())) {
    // Exact for text encodings: a chunk that does not complete the body is not copied.
    const size = Buffer.byteLength(chunk, encoding);
    if (state.bodyBytes + size !== length || size === 0) {
      state.bodyBytes += size;
      return write.apply(res, args);
    }
  }
  // Counted in bytes as Node will send them (base64 with whitespace decodes to fewer).
  const bytes =
    typeof chunk === 'string'
      ? Buffer.from(chunk, encoding)
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const callback = typeof second === 'function' ? second : third;
  const size = bytes.length;
  state.bodyBytes += size;
  if (state.bodyBytes !== length || size === 0) return write.call(res, bytes, callback);
  state.lastByte = { byte: bytes.subarray(size - 1), write };
  // An empty rest still goes through write(), so its callback keeps its place in line.
  return write.call(res, bytes.subarray(0, size - 1), callback);
}

/** Sends the held last byte (the commit is done): the body is complete. */
export function releaseLastByte(res: ServerResponse, state: RequestSession): void {
  const held = state.lastByte;
  if (held === undefined) return;
  state.lastByte = undefined;
  held.write.call(res, held.byte);
}
