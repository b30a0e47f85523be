import { parseCookie, stringifySetCookie } from 'cookie';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCookieSerializer,
  MAX_COOKIE_VALUE_LENGTH,
  readCookieValues,
} from '../../src/manager/cookies.js';
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
    priority: cookie.priority,
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
    priority: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
    maxAge: fc.oneof(fc.constant(null), fc.integer({ min: 1000, max: 10 * 86_400_000 })),
  },
  { requiredKeys: [] },
);

/** A serializer for these options, and whether a cookie for this request gets Secure. */
function serializerFor(cookie: unknown, requestSecure: boolean) {
  const resolved = resolveOptions({ secret: SECRET, cookie: cookie as CookieOptions });
  const serializer = createCookieSerializer(resolved.name, resolved.cookie);
  // SameSite=None and Partitioned always carry Secure; 'auto' follows the request otherwise.
  const none = String(resolved.cookie.sameSite).toLowerCase() === 'none';
  const always = none || resolved.cookie.partitioned;
  const secure =
    resolved.cookie.secure === 'auto' ? requestSecure || always : resolved.cookie.secure;
  return { resolved, serializer, secure };
}

describe('Set-Cookie values', () => {
  it('are exactly what the cookie package builds, for any options, scheme and time', () => {
    fc.assert(
      fc.property(
        cookieOptions,
        fc.boolean(),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{22,64}\.[A-Za-z0-9_-]{43}$/),
        (cookie, requestSecure, now, value) => {
          const { resolved, serializer, secure } = serializerFor(cookie, requestSecure);
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

  it("are what the cookie package builds for a session's own maxAge too", () => {
    fc.assert(
      fc.property(
        cookieOptions,
        fc.oneof(fc.constant(null), fc.integer({ min: 1000, max: 400 * 86_400_000 })),
        fc.boolean(),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (cookie, own, requestSecure, now) => {
          const { resolved, serializer, secure } = serializerFor(cookie, requestSecure);
          const options = { ...resolved.cookie, secure, maxAge: own };
          expect(serializer.session('v.s', requestSecure, now, own)).toBe(
            reference(resolved.name, 'v.s', options, secure, now),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("SameSite=None and Partitioned always carry Secure, even with secure 'auto' on plain HTTP", () => {
    const resolved = resolveOptions({ secret: SECRET, cookie: { sameSite: 'none' } });
    const serializer = createCookieSerializer(resolved.name, resolved.cookie);
    for (const requestSecure of [false, true]) {
      expect(serializer.session('v', requestSecure, 0)).toMatch(/; Secure; SameSite=None$/);
      expect(serializer.clearing(requestSecure)).toMatch(/; Secure; SameSite=None$/);
    }
    // So does Partitioned (CHIPS), whatever SameSite says.
    const partitioned = resolveOptions({ secret: SECRET, cookie: { partitioned: true } });
    const chips = createCookieSerializer(partitioned.name, partitioned.cookie);
    for (const requestSecure of [false, true]) {
      expect(chips.session('v', requestSecure, 0)).toMatch(/; Secure; Partitioned; SameSite=Lax$/);
      expect(chips.clearing(requestSecure)).toMatch(/; Secure; Partitioned; SameSite=Lax$/);
    }
    // Priority goes out as the cookie package spells it, in any case given.
    const high = resolveOptions({ secret: SECRET, cookie: { priority: 'High' as 'high' } });
    const prioritized = createCookieSerializer(high.name, high.cookie);
    expect(prioritized.session('v', false, 0)).toMatch(/; Priority=High; SameSite=Lax$/);
    expect(prioritized.clearing(false)).toMatch(/; Priority=High; SameSite=Lax$/);
    // Lax with 'auto' still follows the request.
    const lax = resolveOptions({ secret: SECRET, cookie: { sameSite: 'lax' } });
    expect(createCookieSerializer(lax.name, lax.cookie).session('v', false, 0)).not.toMatch(
      /Secure/,
    );
  });
});

/** The rule written plainly: every `;`-separated pair named `name`, through the cookie package. */
function referenceValues(header: string, name: string): string[] {
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = parseCookie(pair)[name];
    if (value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (value === undefined || value.length === 0 || value.length > MAX_COOKIE_VALUE_LENGTH)
      continue;
    values.push(value);
  }
  return values.slice(0, 4);
}

describe('reading the Cookie header', () => {
  const name = 'fmsid';
  // Pieces that make near misses likely: the name inside other names and values, separators
  // with and without spaces, quotes, percent escapes, empty and over-long values.
  const piece = fc.constantFrom(
    'fmsid',
    'xfmsid',
    'fmsidx',
    '=',
    ';',
    '; ',
    ' ',
    '\t',
    '\n',
    '\u00a0',
    '"',
    '%41',
    '%zz',
    'abc.def',
    'a=fmsid=b',
    '_ga=GA1.1.123',
    'x'.repeat(MAX_COOKIE_VALUE_LENGTH),
  );
  const header = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));

  it('finds what splitting every pair finds, for any header', () => {
    fc.assert(
      fc.property(header, (h) => {
        expect(readCookieValues(h, name)).toEqual(referenceValues(h, name));
      }),
      { numRuns: 3000 },
    );
  });

  it("takes the session cookie from among a browser's others, and at most four", () => {
    const others = '_ga=GA1.1.1; consent=%7B%22a%22%3Atrue%7D; xfmsid=no; fmsidx=no';
    expect(readCookieValues(`${others}; fmsid=one;fmsid = "two" ;theme=dark`, name)).toEqual([
      'one',
      'two',
    ]);
    const five = Array.from({ length: 5 }, (_, i) => `fmsid=v${i}`).join('; ');
    expect(readCookieValues(five, name)).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(readCookieValues(undefined, name)).toEqual([]);
    expect(readCookieValues('', name)).toEqual([]);
  });

  it('reads a header of bare names in one pass, not one per pair', () => {
    // 2 MiB of "fmsid;" (a server with a raised maxHeaderSize lets it in): looking for each
    // pair's '=' up to the header's end took ~4 s here; one pass takes a few ms.
    const hostile = `${'fmsid;'.repeat(350_000)}fmsid=last`;
    const started = performance.now();
    expect(readCookieValues(hostile, name)).toEqual(['last']);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
