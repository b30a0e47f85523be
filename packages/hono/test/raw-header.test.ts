// requestHeader() scans Node's rawHeaders in place of building the light Request's Headers:
// for every list Node can hand over, the scan must give what that Headers' get() gives.
import { describe, expect, it } from 'vitest';
import { rawHeader, UNREADABLE } from '../src/raw-header.js';

const pairs = (raw: string[]) => {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.charCodeAt(0) !== 58) out.push([raw[i]!, raw[i + 1]!]);
  }
  return out;
};

const lists: string[][] = [
  [],
  ['Host', 'a'],
  ['Cookie', 'a=1'],
  ['Cookie', 'a=1', 'Accept', '*/*', 'cookie', 'b=2', 'COOKIE', 'c=3'],
  ['Cookie', '  \t a=1 \t\r\n', 'Cookie', '', 'Cookie', 'b=2'],
  ['Cookie', '\u000ba=1\f', 'Cookie', '\u00a0b=2\u00a0'],
  ['Cookie', ' ', 'Cookie', '\t'],
  ['Upgrade', 'websocket', 'upgrade', ' h2c '],
  ['X-Forwarded-Proto', 'https', 'x-forwarded-proto', 'http', 'X-FORWARDED-PROTO', ' '],
  ['Cookies', 'a=1', 'Cookie2', 'b=2', 'X-Cookie', 'c=3', 'Upgrade-Insecure-Requests', '1'],
  // HTTP/2: pseudo-headers first, lower-case names, a Cookie split over several fields.
  [':method', 'GET', ':path', '/', ':authority', 'a', 'cookie', 'a=1', 'cookie', 'b=2'],
  ['x-latin1', 'é\u00ff', 'Cookie', 'a=é'],
];

describe('rawHeader()', () => {
  for (const raw of lists) {
    it(`reads ${JSON.stringify(raw)} as undici's Headers`, () => {
      const headers = new Headers(pairs(raw));
      for (const name of ['cookie', 'upgrade', 'x-forwarded-proto']) {
        expect(rawHeader(raw, name)).toBe(headers.get(name) ?? undefined);
      }
    });
  }

  it('leaves a list that is not name/value strings to c.req.header()', () => {
    expect(rawHeader(['Cookie', 'a=1', 'Accept'], 'cookie')).toBe(UNREADABLE);
    expect(rawHeader(['Cookie', 1], 'cookie')).toBe(UNREADABLE);
    expect(rawHeader([7, 'a', 'Cookie', 'a=1'], 'cookie')).toBe(UNREADABLE);
  });
});
