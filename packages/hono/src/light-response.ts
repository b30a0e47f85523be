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
 * from either kind, so the copy has none. Any other response, or one framed by its own
 * Transfer-Encoding: undefined, Hono's way then.
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
  const [status, body, given] = cache as [
    number,
    ConstructorParameters<typeof Response>[0],
    unknown,
  ];
  // Its own headers (reading them builds no Response). Those lack the type a full Response
  // takes from its body once the app gave any, and say text/plain for a typed Blob: the copy
  // has the body's type, as Hono's way had (compress() before session() reads it).
  const headers = new Headers(res.headers);
  // The server would write a Content-Length beside it (clients refuse both); Hono's way, the
  // full Response, is written as the app framed it.
  if (headers.has('transfer-encoding')) return undefined;
  const type = bodyType(body);
  if (
    type !== undefined &&
    (!headers.has('content-type') || (given == null && body instanceof Blob))
  ) {
    headers.set('content-type', type);
  }
  return new Response(body, { status, headers: appendSetCookies(headers, cookies) });
}

/** `headers` with each of `cookies` appended as a Set-Cookie line. */
export function appendSetCookies(headers: Headers, cookies: readonly string[]): Headers {
  for (const cookie of cookies) headers.append('Set-Cookie', cookie);
  return headers;
}

/** The Content-Type the Fetch standard takes from a string or typed Blob body. */
function bodyType(body: unknown): string | undefined {
  if (typeof body === 'string') return 'text/plain;charset=UTF-8';
  if (body instanceof Blob && body.type !== '') return body.type;
  return undefined;
}
