import { stringifySetCookie } from 'cookie';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCookieSerializer } from '../../src/manager/cookies.js';
import { resolveOptions } from '../../src/manager/options.js';
import type { CookieOptions } from '../../src/manager/types.js';
import { SECRET } from '../helpers.js';

/** What the cookie package builds for the same options: the reference the serializer matches. */
function reference(
  name: string,
  value: string,
  cookie: CookieOptions & { maxAge: number | null },
  secure: boolean,
  now: number,
) {
  return stringifySetCookie(name, value, {
    path: cookie.path,
    domain: cookie.domain,
    secure,
    httpOnly: cookie.httpOnly,
    sameSite: cookie.sameSite,
    partitioned: cookie.partitioned,
    ...(cookie.maxAge === null
      ? {}
      : { maxAge: Math.floor(cookie.maxAge / 1000), expires: new Date(now + cookie.maxAge) }),
  });
}

const cookieOptions = fc.record(
  {
    path: fc.constantFrom('/', '/app', '/a b/c'),
    domain: fc.constantFrom('example.com', '.example.com', 'a-b.example.org'),
    secure: fc.constantFrom(true, 'auto' as const),
    httpOnly: fc.boolean(),
    sameSite: fc.constantFrom(
      'lax' as const,
      'strict' as const,
      'none' as const,
      true,
      false,
      'Lax',
    ),
    partitioned: fc.boolean(),
    maxAge: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 10 * 86_400_000 })),
  },
  { requiredKeys: [] },
);

describe('Set-Cookie values', () => {
  it('are exactly what the cookie package builds, for any options, scheme and time', () => {
    fc.assert(
      fc.property(
        cookieOptions,
        fc.boolean(),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{22,64}\.[A-Za-z0-9_-]{43}$/),
        (cookie, requestSecure, now, value) => {
          const resolved = resolveOptions({ secret: SECRET, cookie: cookie as CookieOptions });
          const serializer = createCookieSerializer(resolved.name, resolved.cookie);
          const none = String(resolved.cookie.sameSite).toLowerCase() === 'none';
          const secure =
            resolved.cookie.secure === 'auto' ? requestSecure || none : resolved.cookie.secure;
          const options = { ...resolved.cookie, secure };
          expect(serializer.session(value, requestSecure, now)).toBe(
            reference(resolved.name, value, options, secure, now),
          );
          // Twice within one second: the cached Expires must still be the right one.
          expect(serializer.session(value, requestSecure, now + 999)).toBe(
            reference(resolved.name, value, options, secure, now + 999),
          );
          expect(serializer.clearing(requestSecure)).toBe(
            stringifySetCookie(resolved.name, '', { ...options, maxAge: 0, expires: new Date(0) }),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("SameSite=None always carries Secure, even with secure 'auto' on plain HTTP", () => {
    const resolved = resolveOptions({ secret: SECRET, cookie: { sameSite: 'none' } });
    const serializer = createCookieSerializer(resolved.name, resolved.cookie);
    for (const requestSecure of [false, true]) {
      expect(serializer.session('v', requestSecure, 0)).toMatch(/; Secure; SameSite=None$/);
      expect(serializer.clearing(requestSecure)).toMatch(/; Secure; SameSite=None$/);
    }
    // Lax with 'auto' still follows the request.
    const lax = resolveOptions({ secret: SECRET, cookie: { sameSite: 'lax' } });
    expect(createCookieSerializer(lax.name, lax.cookie).session('v', false, 0)).not.toMatch(
      /Secure/,
    );
  });
});
