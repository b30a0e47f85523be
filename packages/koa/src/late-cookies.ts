import type { ServerResponse } from 'node:http';

const nameOf = (cookie: string): string => cookie.slice(0, cookie.indexOf('='));

/**
 * `ctx.respond = false` with the headers not yet sent: whoever answers later may set a
 * Set-Cookie of its own, which replaces the session's (http-proxy copies an upstream's with
 * setHeader, and Node's writeHead(status, headers) applies its headers with setHeader too).
 * From now on the session's cookies are kept next to one set on this response, unless it
 * names the same cookie (then it is deliberate). An own setHeader, on such responses only.
 */
export function keepSessionCookies(res: ServerResponse, cookies: readonly string[]): void {
  const setHeader = res.setHeader;
  res.setHeader = function (this: ServerResponse, name: string, value: unknown) {
    if (name.toLowerCase() === 'set-cookie') {
      const given = (Array.isArray(value) ? value : [value]).map(String);
      const names = new Set(given.map(nameOf));
      value = [...given, ...cookies.filter((cookie) => !names.has(nameOf(cookie)))];
    }
    return setHeader.call(this, name, value as string[]);
  } as ServerResponse['setHeader'];
}
