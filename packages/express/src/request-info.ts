import type { IncomingMessage } from 'node:http';
import type { RequestInfo } from '@fastmmap/session-core';

/**
 * What decides `Secure` for cookie.secure 'auto'. An Express request is its own RequestInfo
 * (`req.secure`, which follows `trust proxy`). A plain Node request has no `secure`: engine.io
 * hands session() those (`io.engine.use(session())`), and without this a cookie refreshed on
 * a socket.io response over HTTPS lost `Secure`. Its own TLS socket decides, as Express
 * without `trust proxy` and express-session read it.
 */
export function requestInfo(req: IncomingMessage): RequestInfo {
  if ('secure' in req) return req as RequestInfo;
  return {
    get secure() {
      return (req.socket as { encrypted?: boolean } | null)?.encrypted === true;
    },
  };
}
