import type { Session, SessionData } from '@fastmmap/session-core';

// Typed `req.session` for every Express handler once `@fastmmap/express` is imported. The
// data type comes from `SessionData`, which apps extend by declaration merging:
//   declare module '@fastmmap/session-core' { interface SessionData { userId?: string } }
// (@types/express-session declares its own `req.session`; use one or the other per program.)
declare global {
  namespace Express {
    interface Request {
      session: Session<SessionData>;
    }
  }
}
