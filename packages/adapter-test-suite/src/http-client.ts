import { request as httpRequest } from 'node:http';

/** One parsed `Set-Cookie` header: its name, value and attributes (names lower-cased). */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

export interface Reply {
  status: number;
  /** The JSON body, or undefined when the body is not JSON. */
  body: unknown;
  text: string;
  setCookies: SetCookie[];
}

export interface CallOptions {
  /** The raw Cookie header to send. */
  cookie?: string;
  /** Sent as JSON. */
  json?: unknown;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
    attributes.set(key, i === -1 ? '' : attr.slice(i + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

/** A request over real HTTP with global fetch; cookies are handled by hand, on purpose. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return {
    status: res.status,
    body: parsed,
    text,
    setCookies: res.headers.getSetCookie().map(parseSetCookie),
  };
}

/** What rawRequest answers: the status, the body text and the first Set-Cookie's name=value. */
export interface RawReply {
  status: number;
  text: string;
  setCookie: string | undefined;
}

/**
 * A request on a fresh connection (no keep-alive) with a raw Cookie header that fetch would
 * refuse or rewrite (bytes fetch rejects, headers beyond Node's 16 KiB limit). Without an answer
 * within `timeoutMs` it fails.
 */
export function rawRequest(
  url: string,
  options: { method?: string; cookie?: string; timeoutMs?: number } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.cookie !== undefined) headers.cookie = options.cookie;
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            setCookie: res.headers['set-cookie']?.[0]?.split(';')[0],
          }),
        );
        res.on('error', reject);
      },
    );
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error('no answer in time')));
    }
    req.on('error', reject);
    req.end();
  });
}

/** A GET with a raw Cookie header: see rawRequest. */
export function rawGet(
  baseUrl: string,
  path: string,
  cookie: string,
): Promise<{ status: number; text: string }> {
  return rawRequest(`${baseUrl}${path}`, { cookie });
}
