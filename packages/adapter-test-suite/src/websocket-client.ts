import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';

/** A handshake's outcome: the socket and its 101's headers, or the HTTP answer that refused it. */
export type Handshake =
  | { socket: WebSocket; status: 101; headers: IncomingHttpHeaders }
  | { socket?: undefined; status: number; headers: IncomingHttpHeaders };

export interface Closed {
  code: number;
  reason: string;
}

/**
 * Opens a WebSocket with `ws` (Node 20 has no global WebSocket), sending `cookie` as a
 * browser would. A refusal (any status but 101) resolves too, so tests can read its cookie.
 */
export function openWebSocket(url: string, cookie?: string): Promise<Handshake> {
  const socket = new WebSocket(url, cookie === undefined ? {} : { headers: { cookie } });
  return new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    socket.once('upgrade', (res) => (headers = res.headers));
    socket.once('open', () => resolve({ socket, status: 101, headers }));
    socket.once('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
      req.destroy();
    });
    socket.once('error', reject);
  });
}

/** Resolves when the server (or the client) closes the socket, with the code and reason. */
export function closedSocket(socket: WebSocket): Promise<Closed> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.reject(new Error('closed already'));
  return new Promise((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

/** The `name=value` pairs of a response's Set-Cookie headers. */
export function cookiePairs(headers: IncomingHttpHeaders): string[] {
  return (headers['set-cookie'] ?? []).map((cookie) => cookie.split(';', 1)[0] ?? '');
}
