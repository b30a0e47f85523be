/**
 * A copy of @hono/node-server's light Response with `cookies` added, made without reading
 * its `body`. Hono's `c.header()` copies a finalized response through `res.body`, which makes
 * the light Response build a full one that the server then writes as a stream: 20-30 µs of
 * CPU on every response that carries a cookie (measured, node-server 1.x and 2.x). A copy,
 * not an append in place: an app may return one Response object on every request (the server
 * writes its string body again each time), and it must not keep one visitor's cookie.
 *
 * The light Response keeps `[status, body, headers]` under its only own symbol, `cache`
 * (1.x and 2.x; gone once a full Response is built). The server never writes a statusText
 * from either kind, so the copy has none. Any other response: undefined, Hono's way then.
 */
export function lightCopyWithCookies(
  res: Response,
  cookies: readonly string[],
): Response | undefined {
  const keys = Object.getOwnPropertySymbols(res);
  const key = keys[0];
  if (keys.length !== 1 || key?.description !== 'cache') return undefined;
  const cache = (res as unknown as Record<symbol, unknown>)[key];
  if (!Array.isArray(cache) || cache.length !== 3 || typeof cache[0] !== 'number') {
    return undefined;
  }
  const [status, body] = cache as [number, ConstructorParameters<typeof Response>[0], unknown];
  // Its own headers with the type the server would default to (reading them builds no Response).
  const headers = new Headers(res.headers);
  for (const cookie of cookies) headers.append('Set-Cookie', cookie);
  return new Response(body, { status, headers });
}
