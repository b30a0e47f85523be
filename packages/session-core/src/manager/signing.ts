import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { hasIdShape } from './id.js';

/** A secret as given (string) or prepared once per manager (KeyObject: no per-call key setup). */
export type SigningKey = string | KeyObject;

export function signingKeys(secrets: readonly string[]): KeyObject[] {
  return secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
}

function mac(id: string, key: SigningKey): Buffer {
  return createHmac('sha256', key).update(id).digest();
}

/** The cookie value: `<id>.<base64url HMAC-SHA256 of id>`. */
export function signId(id: string, key: SigningKey): string {
  return `${id}.${mac(id, key).toString('base64url')}`;
}

export interface VerifiedId {
  readonly id: string;
  /** Index of the secret that matched: > 0 means an older secret, so the cookie is re-signed. */
  readonly secretIndex: number;
}

// An HMAC-SHA256 is 32 bytes: 43 base64url characters without padding. The 43rd carries two
// unused bits; only the canonical spelling (both zero) is accepted.
const SIGNATURE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** The id when the value carries a valid signature under one of the secrets, else undefined. */
export function verifySignedId(value: string, keys: readonly SigningKey[]): VerifiedId | undefined {
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (!hasIdShape(id) || !SIGNATURE.test(signature)) return undefined;
  const given = Buffer.from(signature, 'base64url');
  for (let i = 0; i < keys.length; i++) {
    if (timingSafeEqual(given, mac(id, keys[i]!))) return { id, secretIndex: i };
  }
  return undefined;
}

/** How many verified cookie values a manager remembers (about 100 bytes each). */
export const VERIFIED_CACHE_SIZE = 10_000;

/**
 * verifySignedId for one manager's fixed keys, remembering values that verified: a returning
 * browser sends the same value on every request, and its HMAC is the costliest step of a load.
 * Only exact values that passed the constant-time check are kept, so a hit tells nothing about
 * any other value; forged values always take the full check. Bounded: emptied when full.
 */
export function createVerifier(
  keys: readonly SigningKey[],
  size = VERIFIED_CACHE_SIZE,
): (value: string) => VerifiedId | undefined {
  const verified = new Map<string, VerifiedId>();
  return (value) => {
    const known = verified.get(value);
    if (known !== undefined) return known;
    const result = verifySignedId(value, keys);
    if (result === undefined) return undefined;
    if (verified.size >= size) verified.clear();
    // Shared by every hit (no copy per load), so frozen: no caller can change another's answer.
    const remembered = Object.freeze(result);
    verified.set(value, remembered);
    return remembered;
  };
}
