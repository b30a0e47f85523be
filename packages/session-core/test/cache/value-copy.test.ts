import { afterEach, describe, expect, it, vi } from 'vitest';

type CopyOut = (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;

async function loadCopyOut(): Promise<CopyOut> {
  vi.resetModules();
  return (await import('../../src/cache/value-copy.js')).copyOut;
}

/** Copies of many sizes (pooled and not) out of one source; all checked at the end. */
function checkCopies(copyOut: CopyOut): void {
  const source = Buffer.alloc(16 * 1024);
  for (let i = 0; i < source.length; i++) source[i] = (i * 31 + 7) & 0xff;
  const copies: { got: Buffer; from: number; length: number }[] = [];
  for (let n = 0; n < 300; n++) {
    const length = [0, 1, 7, 1024, 4096, 4097, 9000][n % 7]!;
    const from = (n * 37) % (source.length - length);
    copies.push({ got: copyOut(source.buffer, source.byteOffset + from, length), from, length });
  }
  for (const { got, from, length } of copies) {
    expect(Object.getPrototypeOf(got)).toBe(Buffer.prototype);
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(got.length).toBe(length);
    expect(got.equals(source.subarray(from, from + length))).toBe(true);
    expect(got.buffer).not.toBe(source.buffer);
  }
  // No two copies share bytes: writing one leaves every other as it was.
  for (const { got } of copies) got.fill(0xee);
  for (const { got, length } of copies) expect(got.equals(Buffer.alloc(length, 0xee))).toBe(true);
}

describe('copyOut', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('gives plain, private Buffers with the bytes asked for', async () => {
    checkCopies(await loadCopyOut());
  });

  it('gives the same where Node has no Buffer class behind Symbol.species', async () => {
    vi.spyOn(
      Buffer as unknown as { [Symbol.species]: unknown },
      Symbol.species,
      'get',
    ).mockReturnValue(Buffer);
    const from = vi.spyOn(Buffer, 'from');
    const warn = vi.spyOn(process, 'emitWarning');
    const copyOut = await loadCopyOut();
    checkCopies(copyOut);
    expect(from).toHaveBeenCalled();
    // Not through `new Buffer()`, deprecated (DEP0005).
    expect(warn).not.toHaveBeenCalled();
  });
});
