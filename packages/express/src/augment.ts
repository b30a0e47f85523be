import type { SessionData } from '@fastmmap/session-core';
import type { ExpressSession } from './session-types.js';

// Typed `req.session` for every Express handler once `@fastmmap/express` is imported. The
// data type comes from `SessionData`, which apps extend by declaration merging:
//   declare module '@fastmmap/session-core' { interface SessionData { userId?: string } }
// It types both `req.session.data.userId` and the express-session style `req.session.userId`.
// (@types/express-session declares its own `req.session`; use one or the other per program.)
declare global {
  namespace Express {
    interface Request {
      session: ExpressSession<SessionData>;
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
