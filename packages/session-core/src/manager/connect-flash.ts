import { format } from 'node:util';
import { SessionError } from '../errors.js';
import type { Session } from './types.js';

/**
 * connect-flash's `flash()` over the session's flash messages, for code and middleware written
 * for it (passport's `failureFlash`/`successFlash` call it). As connect-flash reads its
 * arguments: a type and a truthy message queue it (an array queues each message, more
 * arguments go through util.format); a type alone reads and removes that type's messages; no
 * type reads and removes all of them, by type. `caller` names it in the error of a request
 * that has no session (`req.flash()`, `ctx.flash()`).
 */
export function connectFlash(
  session: Session | undefined,
  args: unknown[],
  caller: string,
): unknown {
  if (session === undefined) {
    throw new SessionError(
      'ERR_SESSION_OPTIONS',
      `${caller} needs app.use(session(...)) ahead of the code that calls it`,
    );
  }
  const [type, message] = args;
  if (!type) return session.flashes();
  const key = String(type);
  if (!message) return session.flashes(key);
  if (args.length > 2) session.flash(key, format(...args.slice(1)));
  else if (Array.isArray(message)) for (const each of message) session.flash(key, each);
  else session.flash(key, message);
  return undefined;
}
