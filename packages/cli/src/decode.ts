import type { Decoder } from 'cbor-x';
import { CliError } from './errors.js';
import { escapeControls, safeText } from './format.js';

export const codecNames = ['cbor', 'json', 'raw'] as const;
export type CodecName = (typeof codecNames)[number];

let cbor: Decoder | undefined;

/** The same cbor-x settings the cache writes with: no records, plain objects for maps. */
async function cborDecoder(): Promise<Decoder> {
  if (!cbor) {
    const { Decoder } = await import('cbor-x');
    cbor = new Decoder({ useRecords: false, mapsAsObjects: true });
  }
  return cbor;
}

/** A synchronous decoder for the codec (cbor-x is loaded on first use); raw gives the bytes. */
export async function decoderFor(codec: CodecName): Promise<(bytes: Uint8Array) => unknown> {
  switch (codec) {
    case 'cbor': {
      const decoder = await cborDecoder();
      return (bytes) => decoder.decode(bytes);
    }
    case 'json':
      return (bytes) => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    case 'raw':
      return (bytes) => Buffer.from(bytes);
  }
}

/** Decodes a stored value as the user said it was written; raw returns the bytes. */
export async function decodeValue(
  bytes: Uint8Array,
  codec: CodecName,
  key: string,
): Promise<unknown> {
  const decode = await decoderFor(codec);
  try {
    return decode(bytes);
  } catch (err) {
    // JSON.parse quotes the text it failed on: the value's, so quoted safely.
    const reason = safeText(err instanceof Error ? err.message : String(err));
    const others = codecNames.filter((name) => name !== codec).map((name) => `--codec ${name}`);
    throw new CliError(
      `cannot decode the value of ${escapeControls(JSON.stringify(key))} as ${codec}: ${reason} (try ${others.join(' or ')})`,
    );
  }
}
