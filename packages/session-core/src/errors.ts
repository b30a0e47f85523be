/**
 * Every error the sessions layer throws on purpose is a `SessionError` with a stable `code`,
 * so callers branch on `err.code` rather than on messages. Store failures keep the
 * underlying error (for example a `FastMmapError`) as `cause`.
 */
export type SessionErrorCode =
  | 'ERR_SESSION_OPTIONS' // a manager or store option is missing, unknown, weak or out of range
  | 'ERR_SESSION_INVALID_ID' // a session id that is empty, too long or not well-formed
  | 'ERR_SESSION_INVALID_TTL' // a ttl that is not a finite number of ms > 0
  | 'ERR_SESSION_TOO_LARGE' // the encoded session does not fit the store; the old value is kept
  | 'ERR_SESSION_UNSUPPORTED_DATA' // functions, symbols, class instances, cycles, lone surrogates...
  | 'ERR_SESSION_STORE_UNAVAILABLE' // closed store, lock timeout, unreadable backend
  | 'ERR_SESSION_DESTROYED' // regenerate() or flash() on a session that was destroyed
  | 'ERR_SESSION_HEADERS_SENT'; // the response's headers went out before its session cookie

export class SessionError extends Error {
  readonly code: SessionErrorCode;
  /**
   * The HTTP status for a request this error ends: 503 when the store cannot serve (an outage,
   * a lock timeout, a closed store: worth a retry), else 500. Express's final handler, Koa and
   * Fastify answer with it; Hono's `app.onError` can read it. Plain writable fields, as
   * http-errors makes them: Koa's error handling assigns `err.status`.
   */
  status: 500 | 503;
  /** The same as `status`, under the name Fastify and http-errors also read. */
  statusCode: 500 | 503;
  /**
   * Always false, as http-errors sets it for a 5xx: the message is for logs, not the client.
   * NestJS's default exception filter sends the message of any error with a `statusCode`
   * unless `expose` is false, and a store's message can name a Redis host or a cache path.
   */
  expose: false;

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionError';
    this.code = code;
    this.status = code === 'ERR_SESSION_STORE_UNAVAILABLE' ? 503 : 500;
    this.statusCode = this.status;
    this.expose = false;
  }
}

/** With a `code`, also narrows `err.code` to it. */
export function isSessionError<C extends SessionErrorCode = SessionErrorCode>(
  err: unknown,
  code?: C,
): err is SessionError & { readonly code: C } {
  return err instanceof SessionError && (code === undefined || err.code === code);
}
