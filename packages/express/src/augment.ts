import type { SessionData } from '@fastmmap/session-core';
import type { ExpressSession } from './session-types.js';

// Typed `req.session` for every Express handler once `@fastmmap/express` is imported. The
// data type comes from `SessionData`, which apps extend by declaration merging:
//   declare module '@fastmmap/session-core' { interface SessionData { userId?: string } }
// It types both `req.session.data.userId` and the express-session style `req.session.userId`.
// (@types/express-session declares its own `req.session`; use one or the other per program.)
// The setter takes only null and undefined, as the runtime does (anything else throws
// ERR_SESSION_UNSUPPORTED_DATA): a setter type unrelated to the getter's needs TS 5.1+.
declare global {
  namespace Express {
    interface Request {
      get session(): ExpressSession<SessionData>;
      /** `req.session = null` (or undefined) destroys the session: cookie-session's logout. */
      set session(value: null | undefined);
      /** express-session's name for `req.session.id` (undefined without session()). */
      sessionID: string;
      /**
       * connect-flash's API over the session's flash messages (passport's failureFlash):
       * queues each message, returns how many of that type are unread (undefined for `[]`).
       */
      flash(type: string, messages: unknown[]): number | undefined;
      /** Queues a message (util.format for more arguments); returns how many are unread. */
      flash(type: string, message: unknown, ...format: unknown[]): number;
      /** Reads and removes that type's messages (`T`: what was queued, not checked). */
      flash<T = unknown>(type: string): T[];
      flash<T = unknown>(): Record<string, T[]>;
    }
  }
}
