/** A header line the light Request's Headers would refuse or read another way. */
export const UNREADABLE: unique symbol = Symbol('unreadable');

/**
 * One header as a Web `Headers` built from Node's `rawHeaders` gives it (what
 * @hono/node-server's light Request builds): names matched case-insensitively, each value
 * trimmed of HTTP whitespace, repeated lines joined in order, Cookie with '; ' and all others
 * with ', ' (undici's rule). Scanned in place: no Headers, no object of every header.
 * `name` is lower case ASCII, no ':'. `UNREADABLE` when the list is not plain name/value
 * strings, so the caller asks `c.req.header()` instead.
 */
export function rawHeader(
  rawHeaders: readonly unknown[],
  name: string,
): string | undefined | typeof UNREADABLE {
  if (rawHeaders.length % 2 !== 0) return UNREADABLE;
  const separator = name === 'cookie' ? '; ' : ', ';
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i];
    if (typeof key !== 'string') return UNREADABLE;
    if (!sameName(key, name)) continue;
    const line = rawHeaders[i + 1];
    if (typeof line !== 'string') return UNREADABLE;
    const trimmed = trimHttpWhitespace(line);
    value = value === undefined ? trimmed : value + separator + trimmed;
  }
  return value;
}

/** ASCII case-insensitive: a header name is a token, so nothing wider can match. */
function sameName(key: string, name: string): boolean {
  if (key.length !== name.length) return false;
  if (key === name) return true;
  for (let i = 0; i < name.length; i++) {
    const code = key.charCodeAt(i);
    const lower = code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
    if (lower !== name.charCodeAt(i)) return false;
  }
  return true;
}

// Tab, LF, CR and space: undici trims these and nothing else (not \v, \f or U+00A0).
const isHttpWhitespace = (code: number) =>
  code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

function trimHttpWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
