import { COOKIE } from './client.js';

/** What one request of a login flow answered. */
export interface FlowReply {
  status: number;
  /** The Location header of a redirect (redirects are not followed). */
  location: string | null;
  /** `name=value` of the session cookie the response set, if it set one. */
  cookie: string | undefined;
  /** The parsed JSON body, or the text when the body is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: each test reads its own app's shapes
  body: any;
}

export type FlowRequest = (
  method: string,
  path: string,
  cookie?: string,
  /** A form body (what login pages post), or `json` for a JSON one. */
  body?: { form?: Record<string, string>; json?: unknown },
) => Promise<FlowReply>;

/**
 * Requests for a login flow over real HTTP (passport's redirects and session cookies, by
 * hand): redirects are returned, not followed, and a request that hangs (a callback that never
 * comes) fails after 5 s instead of stalling the suite.
 */
export function loginFlowClient(baseUrl: string): FlowRequest {
  return async (method, path, cookie, body) => {
    const headers: Record<string, string> = cookie ? { cookie } : {};
    let payload: string | URLSearchParams | undefined;
    if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body?.form !== undefined) {
      payload = new URLSearchParams(body.form);
    }
    const res = await fetch(baseUrl + path, {
      method,
      redirect: 'manual',
      headers,
      body: payload,
      signal: AbortSignal.timeout(5_000),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
    const text = await res.text();
    return {
      status: res.status,
      location: res.headers.get('location'),
      cookie: set?.split(';')[0],
      body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  };
}
