import type { IncomingMessage } from 'node:http';
import { isWebSocketUpgrade } from '@fastmmap/session-core/adapter';

/**
 * A WebSocket handshake, whose response is no HTTP one (engine.io's upgrade response, the ws
 * and express-ws recipes). Not a request Node handed to 'request' for want of an 'upgrade'
 * listener, `Upgrade: websocket` and all (`req.upgrade` false): Express answers that one as
 * any other, and a body it streams needs its commits at the headers and at the close.
 */
export function isWebSocketHandshake(req: IncomingMessage): boolean {
  // Set by Node's HTTP server, though @types/node does not declare it.
  const upgrade = (req as { upgrade?: unknown }).upgrade;
  return upgrade !== false && isWebSocketUpgrade(req.headers.upgrade);
}
