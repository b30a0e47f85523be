import { SessionError } from '@fastmmap/session-core';

const URL_FORM = 'use redis://user:password@host:6379/db, or rediss:// for TLS';

/**
 * The url with everything between the scheme and the last '@' masked but the user name: safe
 * for an error message or a log. Works on strings that do not parse (those are the ones that
 * end up in errors), so it masks generously rather than trusting a URL parser.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at === -1) return url;
  const scheme = /^[a-z][a-z\d+.-]*:\/\//i.exec(url)?.[0] ?? '';
  if (at < scheme.length) return url;
  const userinfo = url.slice(scheme.length, at);
  const colon = userinfo.indexOf(':');
  // Without a colon the whole userinfo may be a password (redis://secret@host): mask it all.
  const user = colon === -1 ? '' : `${userinfo.slice(0, colon)}:`;
  return `${scheme}${user}***@${url.slice(at + 1)}`;
}

/**
 * Refuses a url node-redis would refuse (or, for '', silently replace by localhost), before
 * it can: node-redis throws a bare TypeError whose `input` holds the whole url, password and
 * all, and that error would end up in logs. The error thrown here names the url redacted and
 * carries no cause.
 */
export function assertRedisUrl(url: unknown): void {
  if (typeof url !== 'string') {
    throw new SessionError('ERR_SESSION_OPTIONS', `RedisStore: url must be a string (${URL_FORM})`);
  }
  // An unset environment variable, often: node-redis would quietly connect to localhost.
  if (url === '') badUrl(url, 'is empty');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The parser says only "Invalid URL": name the usual causes instead.
    badUrl(
      url,
      'is not a valid URL: is the port above 65535, or does the password hold a character that must be percent-encoded, such as / ? # or a space?',
    );
  }
  // node-redis decodes both with decodeURIComponent: a stray '%' (a password like 50%off)
  // would throw its bare URIError.
  for (const part of [parsed.username, parsed.password]) {
    try {
      decodeURIComponent(part);
    } catch {
      badUrl(
        url,
        "has a user name or password with a '%' that does not start an escape: write it as %25",
      );
    }
  }
  // redis:// or redis:///0 would quietly mean localhost, like the empty string.
  if (parsed.hostname === '') badUrl(url, 'names no host');
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    badUrl(
      url,
      `has the protocol ${JSON.stringify(parsed.protocol)}; it must be redis: or rediss:`,
    );
  if (parsed.pathname.length > 1 && !/^\/\d+$/.test(parsed.pathname))
    badUrl(url, 'has a path that is not a database number such as /0');
}

function badUrl(url: string, why: string): never {
  throw new SessionError(
    'ERR_SESSION_OPTIONS',
    `RedisStore: url ${JSON.stringify(redactUrl(url))} ${why} (${URL_FORM})`,
  );
}
