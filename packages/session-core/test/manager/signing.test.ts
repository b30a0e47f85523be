import { describe, expect, it } from 'vitest';
import { generateSessionId } from '../../src/manager/id.js';
import { createVerifier, signId, verifySignedId } from '../../src/manager/signing.js';
import { OLD_SECRET, SECRET } from '../helpers.js';

describe('cookie signing', () => {
  const id = generateSessionId();

  it('generates 256-bit base64url ids that differ every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateSessionId));
    expect(ids.size).toBe(1000);
    for (const each of ids) expect(each).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
  });

  it('verifies its own signature and reports which secret matched', () => {
    expect(verifySignedId(signId(id, SECRET), [SECRET])).toEqual({ id, secretIndex: 0 });
    expect(verifySignedId(signId(id, OLD_SECRET), [SECRET, OLD_SECRET])).toEqual({
      id,
      secretIndex: 1,
    });
  });

  it('refuses a signature made with a secret it does not hold', () => {
    expect(verifySignedId(signId(id, OLD_SECRET), [SECRET])).toBeUndefined();
  });

  it('refuses every single-character change of id or signature', () => {
    const value = signId(id, SECRET);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === '.') continue;
      const swapped = value[i] === 'A' ? 'B' : 'A';
      const tampered = value.slice(0, i) + swapped + value.slice(i + 1);
      expect(verifySignedId(tampered, [SECRET]), `position ${i}`).toBeUndefined();
    }
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abc'],
    ['only a signature', `.${'a'.repeat(43)}`],
    ['a short id', `short.${'a'.repeat(43)}`],
    ['a padded signature', `${'a'.repeat(43)}.${'a'.repeat(42)}=`],
    ['an id with a non-base64url char', `${'a'.repeat(42)}!.${'a'.repeat(43)}`],
    ['a long signature', `${'a'.repeat(43)}.${'a'.repeat(44)}`],
  ])('refuses %s', (_, value) => {
    expect(verifySignedId(value, [SECRET])).toBeUndefined();
  });

  it('refuses a non-canonical spelling of a valid signature', () => {
    const value = signId(id, SECRET);
    // The 43rd base64url character carries 2 unused bits: flipping one keeps the bytes.
    const last = value.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    const respelled = value.slice(0, -1) + sibling;
    const sig = (s: string) => Buffer.from(s.split('.')[1]!, 'base64url');
    expect(sig(respelled).equals(sig(value))).toBe(true);
    expect(verifySignedId(respelled, [SECRET])).toBeUndefined();
  });

  it('verifies through a bounded memo exactly as without one', () => {
    const verify = createVerifier([SECRET, OLD_SECRET], 2);
    const ids = [generateSessionId(), generateSessionId(), generateSessionId()];
    const values = [signId(ids[0]!, SECRET), signId(ids[1]!, OLD_SECRET), signId(ids[2]!, SECRET)];
    const forged = signId(ids[0]!, 'an-attacker-secret-of-32-characters-or-more');
    for (let round = 0; round < 3; round++) {
      for (const value of [...values, forged, `${values[0]}x`]) {
        expect(verify(value)).toEqual(verifySignedId(value, [SECRET, OLD_SECRET]));
      }
    }
    // The remembered answer is shared, so it is frozen: no caller can change the next one.
    const first = verify(values[0]!)!;
    expect(() => {
      (first as { id: string }).id = 'changed';
    }).toThrow(TypeError);
    expect(verify(values[0]!)).toEqual({ id: ids[0], secretIndex: 0 });
  });
});
