import { Decoder } from 'cbor-x';
import { CliError } from './errors.js';

export const codecNames = ['cbor', 'json', 'raw'] as const;
export type CodecName = (typeof codecNames)[number];

// The same cbor-x settings the cache writes with: no records, plain objects for maps.
const cbor = new Decoder({ useRecords: false, mapsAsObjects: true });

/** Decodes a stored value as the user said it was written; raw returns the bytes. */
export function decodeValue(bytes: Uint8Array, codec: CodecName, key: string): unknown {
  try {
    switch (codec) {
      case 'cbor':
        return cbor.decode(bytes);
      case 'json':
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      case 'raw':
        return Buffer.from(bytes);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const others = codecNames.filter((name) => name !== codec).map((name) => `--codec ${name}`);
    throw new CliError(
      `cannot decode the value of ${JSON.stringify(key)} as ${codec}: ${reason} (try ${others.join(' or ')})`,
    );
  }
}
