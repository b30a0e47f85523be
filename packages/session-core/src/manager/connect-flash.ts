import { format } from 'node:util';
import { SessionError } from '../errors.js';
import type { Session } from './types.js';

/**
 * connect-flash's `flash()` over the session's flash messages, for code and middleware written
 * for it (passport's `failureFlash`/`successFlash` call it). As connect-flash reads its
 * arguments: a type and a truthy message queue it (an array queues each message, more
 * arguments go through util.format) and return how many of that type are unread; a type alone
 * reads and removes that type's messages; no type reads and removes all of them, by type.
 * `caller` names it in the error of a request that has no session (`req.flash()`,
 * `ctx.flash()`).
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
  // What connect-flash returns for a queued message: how many of that type are now unread.
  if (args.length > 2) return session.flash(key, format(...args.slice(1)));
  if (!Array.isArray(message)) return session.flash(key, message);
  // An empty array queues nothing and counts nothing (connect-flash throws a TypeError there).
  let unread: number | undefined;
  for (const each of message) unread = session.flash(key, each);
  return unread;
}
