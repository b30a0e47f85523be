import type { SessionData } from '@fastmmap/session-core';
import type { KoaSession } from './session-api.js';

// Typed `ctx.session` in every Koa middleware once `@fastmmap/koa` is imported, in apps with a
// context type of their own (`new Koa<State, Custom>()`) too: ExtendableContext is part of
// every context type. The data type comes from `SessionData`, which apps extend by declaration
// merging:
//   declare module '@fastmmap/session-core' { interface SessionData { userId?: string } }
// Reads give the Session; `ctx.session = null` (koa-session's logout) destroys it. The setter
// takes only null and undefined, as the runtime does (anything else throws
// ERR_SESSION_UNSUPPORTED_DATA): a setter type unrelated to the getter's needs TS 5.1+.
declare module 'koa' {
  interface ExtendableContext {
    get session(): KoaSession<SessionData>;
    set session(value: null | undefined);
    /**
     * connect-flash's API over the session's flash messages (koa-passport's failureFlash):
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
