import { createHmac, timingSafeEqual } from 'node:crypto';
import { hasIdShape } from './id.js';

function mac(id: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(id).digest();
}

/** The cookie value: `<id>.<base64url HMAC-SHA256 of id>`. */
export function signId(id: string, secret: string): string {
  return `${id}.${mac(id, secret).toString('base64url')}`;
}

export interface VerifiedId {
  id: string;
  /** Index of the secret that matched: > 0 means an older secret, so the cookie is re-signed. */
  secretIndex: number;
}

// An HMAC-SHA256 is 32 bytes: 43 base64url characters without padding.
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** The id when the value carries a valid signature under one of the secrets, else undefined. */
export function verifySignedId(value: string, secrets: readonly string[]): VerifiedId | undefined {
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (!hasIdShape(id) || !SIGNATURE.test(signature)) return undefined;
  const given = Buffer.from(signature, 'base64url');
  // Canonical base64url only: a different spelling of the same bytes is refused.
  if (given.length !== 32 || given.toString('base64url') !== signature) return undefined;
  for (let i = 0; i < secrets.length; i++) {
    if (timingSafeEqual(given, mac(id, secrets[i]!))) return { id, secretIndex: i };
  }
  return undefined;
}
