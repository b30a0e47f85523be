import {
  commitNow,
  headersSentError,
  type Session,
  unsentCookieNames,
} from '@fastmmap/session-core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** `name=value`, the part of a Set-Cookie value that says which cookie it sets. */
const pairOf = (cookie: string): string => cookie.split(';', 1)[0]!;

/**
 * The Set-Cookie values that went out. Headers passed to writeHead() as an object (what a
 * hijacking route does) never reach getHeader(), so the header block Node wrote (`_header`,
 * long-standing if undocumented) is read too.
 */
function sentCookies(raw: FastifyReply['raw']): string[] {
  const own = raw.getHeader('set-cookie');
  const values = Array.isArray(own) ? own.map(String) : typeof own === 'string' ? [own] : [];
  const block = (raw as { _header?: unknown })._header;
  if (typeof block === 'string') {
    for (const match of block.matchAll(/^set-cookie:[ \t]*(.*?)\r?$/gim)) values.push(match[1]!);
  }
  return values;
}

/**
 * For a response that went out without the plugin's onSend (reply.hijack(), or a write to
 * reply.raw): commits the session now, as the Express adapter does after a streamed body, so
 * a session the client has a cookie for keeps its changes. A session whose cookie would carry
 * an id the client does not have (new, or regenerated) is not stored, since no request could
 * reach it, and one warning is logged. A refresh of the client's own cookie that cannot go out
 * waits for the next response.
 */
export function commitAfterRawResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  session: Session,
): void {
  let unsent: string[];
  try {
    const cookies = session.cookieHeaders();
    const sent = sentCookies(reply.raw);
    const requestCookies = request.headers.cookie ?? '';
    // Not sent, and not the client's own: an id it does not have.
    unsent = unsentCookieNames(
      session,
      cookies.filter((cookie) => !requestCookies.includes(pairOf(cookie))),
      sent,
    );
  } catch (err) {
    request.log.error({ err }, '@fastmmap/fastify: the session could not be committed');
    return;
  }
  if (unsent.length > 0) {
    const cause = 'reply.hijack() or a write to reply.raw skips onSend';
    const fix =
      'Before hijacking, await request.session.save() and send request.session.cookieHeaders() as Set-Cookie';
    const err = headersSentError(unsent, false, cause, fix);
    request.log.warn({ code: err.code }, `@fastmmap/fastify: ${err.message}`);
    return;
  }
  const failed = (err: unknown) =>
    request.log.error({ err }, '@fastmmap/fastify: the session could not be committed');
  try {
    const committed = commitNow(session);
    if (committed instanceof Promise) committed.catch(failed);
  } catch (err) {
    failed(err);
  }
}
