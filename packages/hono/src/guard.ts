import { sessionGuard } from '@fastmmap/session-core/adapter';
import { honoSessionMembers } from './session-api.js';

/** The cookie a c.get('session') belongs to, read through its guard (no per-request cost). */
const COOKIE_NAME = Symbol('@fastmmap/hono cookie name');

/**
 * c.get('session') as session() hands it out: data only on `data` (or get/set), plus
 * hono-sessions' API, and the name of the cookie it is for, so that a second session()
 * for the same cookie on one request can tell (see loadedFor).
 */
export function guardFor(cookieName: string) {
  return sessionGuard("c.get('session')", {
    members: { ...honoSessionMembers, [COOKIE_NAME]: cookieName },
  });
}

/** The cookie name of a session one of our middlewares put on the context, else undefined. */
export function loadedFor(session: unknown): string | undefined {
  if (typeof session !== 'object' || session === null) return undefined;
  const name = (session as { [COOKIE_NAME]?: unknown })[COOKIE_NAME];
  return typeof name === 'string' ? name : undefined;
}
