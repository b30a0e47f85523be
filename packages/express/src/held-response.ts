import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { headersSent } from './headers-sent.js';

/** The status and headers of a response whose end() waits for an asynchronous commit. */
export interface HeldResponse {
  readonly statusCode: number;
  /** Undefined on HTTP/2, which has no reason phrase. */
  readonly statusMessage: string | undefined;
  /** Undefined on a response without getHeaders (see holdResponse). */
  readonly headers: OutgoingHttpHeaders | undefined;
}

/**
 * An HTTP/2 response (Express through an http2 bridge): Node answers every read or write of
 * its statusMessage with an UnsupportedWarning, which the app never asked for.
 */
function isHttp2(res: ServerResponse): boolean {
  return (res.req?.httpVersionMajor ?? 1) >= 2;
}

export function holdResponse(res: ServerResponse): HeldResponse {
  // engine.io's WebSocket upgrade response (io.engine.use(session())) has no getHeaders, and
  // nothing to hold: its end() (a middleware refusing the upgrade) only destroys the socket.
  if (typeof res.getHeaders !== 'function') {
    return { statusCode: res.statusCode, statusMessage: undefined, headers: undefined };
  }
  const headers: OutgoingHttpHeaders = {};
  // getHeaders() shares Node's own arrays, which appendHeader extends in place: copied.
  for (const [name, value] of Object.entries(res.getHeaders())) {
    headers[name] = Array.isArray(value) ? [...value] : value;
  }
  const statusMessage = isHttp2(res) ? undefined : res.statusMessage;
  return { statusCode: res.statusCode, statusMessage, headers };
}

/**
 * Puts back the held response's status and headers before it goes out: code that answered
 * again meanwhile (an error handler after `res.json()`, a second `res.send()`) changed them on
 * the way to the end() that was dropped.
 */
export function restoreResponse(res: ServerResponse, held: HeldResponse): void {
  if (headersSent(res)) return;
  res.statusCode = held.statusCode;
  if (held.statusMessage !== undefined) res.statusMessage = held.statusMessage;
  if (held.headers === undefined) return;
  for (const name of res.getHeaderNames()) {
    if (!Object.hasOwn(held.headers, name)) res.removeHeader(name);
  }
  for (const [name, value] of Object.entries(held.headers)) {
    if (value !== undefined) res.setHeader(name, value);
  }
}

let warned = false;

/**
 * A second answer (end, writeHead or write) while the first end() waits for its commit.
 * Without the wait Express would have sent the first response and thrown
 * ERR_HTTP_HEADERS_SENT at the second; throwing here, inside an error handler or Express's
 * final handler, could crash the process instead. So the second is dropped, the first goes out
 * as it was, and the process is told once. A write's callback still runs, as after a write.
 */
export function dropSecondAnswer(res: ServerResponse, args: readonly unknown[] = []): boolean {
  if (!warned) {
    warned = true;
    process.emitWarning(
      'a response was answered again (end, writeHead or write) while its first answer waited ' +
        'for its session commit; the second answer was dropped (without a session, Express ' +
        'would throw ERR_HTTP_HEADERS_SENT). Look for code that answers twice, e.g. res.json() ' +
        'then throw.',
      { code: 'FASTMMAP_EXPRESS_SECOND_END' },
    );
  }
  const callback = args[args.length - 1];
  if (typeof callback === 'function') process.nextTick(callback as () => void);
  return !res.destroyed;
}
