import type { Session, SessionManager } from '@fastmmap/session-core';
import type { Request } from 'express';
import type { HeldResponse } from './held-response.js';
import type { HeldByte } from './last-byte.js';

/**
 * What the middleware keeps for one request, in one object: the live session (reload()
 * replaces it; every view of the request follows), what req.session's view needs, and the
 * progress of the commit that ends the response.
 */
export class RequestSession {
  /** The session's Set-Cookie values are on the response (or must never be). */
  cookiesDone = false;
  /** end() was called once: later calls (the error handler's) go straight through. */
  ended = false;
  /** Set while the first end() waits for an asynchronous commit: later ones are dropped. */
  held: HeldResponse | undefined = undefined;
  /** What `req.session` reads: the view made for this request (regenerate(callback) makes another). */
  value: unknown;
  /** The destroy `req.session = null` started: the commit waits for it and fails with it. */
  destroying: Promise<void> | undefined = undefined;
  /** What the last save() or commit() through req.session failed with (the app has it). */
  failedCommit: unknown = undefined;
  /** The session's maxAge when the headers went out (undefined until then). */
  maxAgeAtHeaders: number | null | undefined = undefined;
  /** Body bytes written so far, counted for a response with a Content-Length. */
  bodyBytes = 0;
  /** The body's last byte, sent once the commit is done (see last-byte.ts). */
  lastByte: HeldByte | undefined = undefined;
  /** The id the request came with: a session with another (new, regenerated) needs its cookie. */
  readonly loadedId: string;

  constructor(
    readonly req: Request,
    readonly manager: SessionManager,
    public current: Session,
    /** Where a failed commit goes (Express `next(err)`). */
    readonly onError: (err: unknown) => void,
  ) {
    this.loadedId = current.id;
  }
}
