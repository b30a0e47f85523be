import { serialize } from 'node:v8';
import type { Session, SessionManager } from '@fastmmap/session-core';
import type { FastifyRequest } from 'fastify';

/** What a session whose commit never ran still held: a new session, or changes to one. */
type Unsaved = 'new' | 'changes' | undefined;

const LOST = {
  new: 'the new session was not stored, and the client got no cookie for it',
  changes: 'its changes were not saved',
} as const;

/**
 * For a response that went out without the plugin's onSend (reply.hijack(), or a write to
 * reply.raw): logs one warning through request.log when the session held something a commit
 * would have stored. Runs after the response, off the usual path; a store that cannot be read
 * now leaves the question open, and nothing is logged.
 */
export function warnIfUncommitted(
  request: FastifyRequest,
  session: Session,
  manager: SessionManager,
): void {
  const warn = (unsaved: Unsaved) => {
    if (unsaved === undefined) return;
    request.log.warn(
      { code: 'ERR_SESSION_HEADERS_SENT' },
      `@fastmmap/fastify: the response went out without the session commit (reply.hijack() ` +
        `or a write to reply.raw skips onSend), so ${LOST[unsaved]}. Before hijacking, ` +
        'await request.session.save() and send request.session.cookieHeaders() as Set-Cookie',
    );
  };
  const unsaved = unsavedIn(session, manager, request.headers.cookie);
  if (unsaved instanceof Promise) unsaved.then(warn, () => {});
  else warn(unsaved);
}

/**
 * Compared with the store, loaded afresh under the session's current id: the session keeps
 * no public record of what it loaded, and this path is rare. A change another request made
 * to the same session meanwhile also shows as a difference.
 */
function unsavedIn(
  session: Session,
  manager: SessionManager,
  requestCookie: string | undefined,
): Unsaved | Promise<Unsaved> {
  // destroy() already left its tombstone: only the clearing cookie is lost, and it is moot.
  if (session.destroyed) return undefined;
  let cookies: string[];
  try {
    cookies = session.cookieHeaders();
  } catch {
    // Data a commit would refuse (a class instance, say): lost either way.
    return 'changes';
  }
  // A visitor with nothing to store: no record, no cookie, nothing lost.
  if (session.isNew && cookies.length === 0) return undefined;
  // The cookie names the current id (after a save() or regenerate() too); without one due,
  // the request's cookie names it.
  const cookie = cookies.length > 0 ? cookies[0]!.split(';', 1)[0] : requestCookie;
  const compare = (stored: Session): Unsaved => {
    // No record under this id: a commit would have created it, if it had anything to store.
    if (stored.isNew || stored.id !== session.id) return cookies.length > 0 ? 'new' : undefined;
    const same =
      sameData(session.data as Data, stored.data as Data) && session.maxAge === stored.maxAge;
    return same ? undefined : 'changes';
  };
  const stored = manager.loadNow(cookie);
  return stored instanceof Promise ? stored.then(compare) : compare(stored);
}

type Data = Record<string, unknown>;

/** Same top-level keys, values equal as structured-clone bytes (key order counts, as in the core). */
function sameData(a: Data, b: Data): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  try {
    return serialize(a).equals(serialize(b));
  } catch {
    // Not storable: it cannot be what the store holds.
    return false;
  }
}
