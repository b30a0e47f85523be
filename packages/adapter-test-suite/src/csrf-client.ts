// What the CSRF library tests of every adapter send: the session cookie and a token in the
// X-CSRF-Token header (each library reads it there), and a token that is surely wrong.

/** The `fmsid=...` pair of a response's session cookie; throws when there is none. */
export function sessionCookiePair(res: Response, name = 'fmsid'): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie`);
  return cookie.split(';')[0]!;
}

/** POST `path` on `url` with `cookie`, and `token` in X-CSRF-Token when given. */
export function csrfPost(url: string, path: string, cookie: string, token?: string) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { cookie, ...(token === undefined ? {} : { 'x-csrf-token': token }) },
  });
}

/** The token with its last character changed (a fixed suffix could be the token's own). */
export function wrongToken(token: string): string {
  return `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
}
