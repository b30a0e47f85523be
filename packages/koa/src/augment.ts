import type { Session, SessionData } from '@fastmmap/session-core';

// Typed `ctx.session` in every Koa middleware once `@fastmmap/koa` is imported. The data type
// comes from `SessionData`, which apps extend by declaration merging:
//   declare module '@fastmmap/session-core' { interface SessionData { userId?: string } }
declare module 'koa' {
  interface DefaultContext {
    session: Session<SessionData>;
  }
}
