import './augment.js';
import type { Session } from '@fastmmap/session-core';
import {
  adapterManager,
  commitForCache,
  guardStreamBody,
  isRepeatedDataRefusal,
  isWebSocketUpgrade,
  markCookieless,
  sessionGuard,
} from '@fastmmap/session-core/adapter';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { clientSafe, originalError } from './client-safe-error.js';
import { FASTIFY_REGISTER_KEYS, type FastifySessionOptions } from './options.js';
import { refuseSecondOwner } from './registration.js';
import { assignSession, CLOSED, DESTROYING, SESSION, slots } from './request-session.js';
import { failedSave, fastifySessionMembers, loadedSession } from './session-api.js';

/**
 * Set on a request once its first reply's onSend has started the session commit: true when the
 * commit finished in the call, else its promise (a symbol: no WeakSet entry per request).
 */
const COMMITTED = Symbol('@fastmmap/fastify committed');
type Committed = true | Promise<readonly string[]>;

/**
 * A request was answered twice, the second time while the first reply waited for its commit:
 * a hook replied without `return reply` (@fastify/passport's redirects do), so Fastify ran the
 * handler too. The first reply went out with the session's cookies; sending the later one
 * would throw ERR_HTTP_HEADERS_SENT where nothing catches it, so it stops here.
 */
function sentTwice(request: FastifyRequest, err?: unknown): void {
  const message =
    '@fastmmap/fastify: the reply was sent twice (a hook called reply.send() or reply.redirect() without returning reply); the later one was dropped';
  if (err === undefined) request.log.warn(message);
  else request.log.error({ err }, `${message}, and the session commit failed`);
}

/**
 * onSend of a later reply of the same request: the error handler's after a failed commit,
 * which goes out without a session cookie, or a second reply (see sentTwice), which waits for
 * the first reply's commit so that the first goes out, with its cookies, and not this one.
 */
function laterReply(
  request: FastifyRequest,
  reply: FastifyReply,
  first: Committed,
  send: () => void,
): void {
  if (first === true) {
    send();
    return;
  }
  const go = () => (reply.raw.headersSent ? sentTwice(request) : send());
  first.then(go, go);
}

/**
 * An onSend that fails: the error handler's reply replaces the payload, and Fastify leaves a
 * stream payload (a file's, say) open, holding its file descriptor: it is destroyed (a web
 * stream cancelled) here.
 */
function failWith(err: unknown, payload: unknown, done: (err: Error) => void): void {
  // A Response's body is a web stream (a proxied fetch(), say).
  const body = isResponse(payload) ? payload.body : payload;
  if (isPipedStream(body)) {
    body.destroy();
  } else if (isWebStream(body)) {
    body.cancel().catch(() => {});
  }
  done(clientSafe(err) as Error);
}

/**
 * A stream Fastify pipes, told by shape as Fastify does (`pipe`): a Node stream, or one of the
 * readable-stream package's, which is no node:stream instance and holds a file just the same.
 */
function isPipedStream(value: unknown): value is { destroy(): unknown } {
  const stream = value as { pipe?: unknown; destroy?: unknown } | null | undefined;
  return typeof stream?.pipe === 'function' && typeof stream.destroy === 'function';
}

/**
 * By tag, as Fastify tells a Response: one of the undici package's (its own fetch()) or of
 * another realm is no instance of the global Response, yet Fastify sends its body.
 */
function isResponse(value: unknown): value is Response {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.prototype.toString.call(value) === '[object Response]'
  );
}

/** By shape, as Fastify tells web streams apart (one from another realm or undici too). */
function isWebStream(value: unknown): value is ReadableStream {
  const stream = value as Partial<ReadableStream> | null | undefined;
  return typeof stream?.getReader === 'function' && typeof stream.cancel === 'function';
}

/** request.session: @fastify/session's API and data as properties, client-safe errors. */
const guarded = sessionGuard('request.session', {
  mapError: clientSafe,
  members: fastifySessionMembers,
  // @fastify/session's own way to data: `request.session.user = ...`.
  dataProperties: true,
});

async function sessionPlugin(fastify: FastifyInstance, options: FastifySessionOptions) {
  refuseSecondOwner(fastify);
  // Fastify hands every plugin its register options too.
  const { manager, owned } = adapterManager(options, FASTIFY_REGISTER_KEYS);
  try {
    fastify.decorate('sessionManager', manager);
    fastify.decorateRequest(SESSION, null);
    fastify.decorateRequest(DESTROYING, null);
    fastify.decorateRequest('session', {
      getter(this: FastifyRequest) {
        return slots(this)[SESSION] as FastifyRequest['session'];
      },
      setter(this: FastifyRequest, value: unknown) {
        assignSession(this, value);
      },
    } as never);
  } catch (err) {
    // Whatever Fastify refuses: the store this registration opened is closed.
    if (owned) await manager.close();
    throw err;
  }

  fastify.addHook('onRequest', (request, _reply, done) => {
    let loaded: Session | Promise<Session>;
    try {
      // request.protocol follows Fastify's own `trustProxy` setting (X-Forwarded-Proto).
      loaded = manager.loadNow(request.headers.cookie, { secure: request.protocol === 'https' });
    } catch (err) {
      done(clientSafe(err) as Error);
      return;
    }
    const begin = (session: Session) => {
      // @fastify/websocket's handshake: its reply is hijacked and the 101 carries no cookie of
      // ours, so a save() made for the socket must not count a cookie refresh as sent. Not a
      // new session: a hook that refuses the upgrade (a 401) sends an ordinary reply, and
      // without its cookie every retry would store another session no client could reach.
      if (!session.isNew && isWebSocketUpgrade(request.headers.upgrade)) markCookieless(session);
      slots(request)[SESSION] = guarded(session) as FastifyRequest['session'];
      done();
    };
    // A synchronous store (Store.sync) gives the session in the call: no promise to wait for.
    if (loaded instanceof Promise) loaded.then(begin, (err) => done(clientSafe(err) as Error));
    else begin(loaded);
  });

  fastify.addHook('onSend', (request, reply, payload, done) => {
    const state = slots(request);
    const view = state[SESSION] as Session | null | undefined;
    const flags = request as { [COMMITTED]?: Committed };
    if (view == null) {
      done(null, payload);
      return;
    }
    // Committed as loaded, not through request.session: the view would bind and wrap
    // commitNow for this one call (a WeakMap entry per request, which the garbage collector
    // pays for). Its errors are made client-safe here instead, as the view's are.
    const session = loadedSession(view);
    const destroying = state[DESTROYING];
    state[DESTROYING] = CLOSED;
    const first = flags[COMMITTED];
    if (first !== undefined) {
      laterReply(request, reply, first, () => done(null, payload));
      return;
    }
    // Finished before the payload goes out: the client's next request sees the change.
    const send = (cookies: readonly string[]) => {
      for (const cookie of cookies) reply.header('set-cookie', cookie);
      done(null, payload);
    };
    let committed: readonly string[] | Promise<readonly string[]>;
    try {
      // `request.session = null` started a destroy: a failure fails the reply (no other channel).
      committed =
        destroying instanceof Promise
          ? destroying.then(() => session.commit())
          : // A refresh cookie waits for a reply no shared cache may store.
            commitForCache(session, reply.getHeader('cache-control'));
    } catch (err) {
      flags[COMMITTED] = true;
      failWith(err, payload, done);
      return;
    }
    if (!(committed instanceof Promise)) {
      flags[COMMITTED] = true;
      send(committed);
      return;
    }
    flags[COMMITTED] = committed;
    // Before the handlers that send: the listener is gone first.
    guardStreamBody(payload, committed);
    // A failed commit goes to the error handler, whose reply is a later one (no second commit).
    committed.then(
      (cookies) => (reply.raw.headersSent ? sentTwice(request) : send(cookies)),
      (failure) => {
        const err = clientSafe(failure);
        if (reply.raw.headersSent) sentTwice(request, err);
        // The app had this very refusal from save() and answers it with an error: its answer
        // goes out (without a session cookie), not the error handler's for the same failure.
        // (The session's methods hand out client-safe copies: compare the originals.)
        else if (
          reply.statusCode >= 400 &&
          isRepeatedDataRefusal(originalError(err), originalError(failedSave(view)))
        ) {
          request.log.warn({ err }, '@fastmmap/fastify: the session was not saved');
          done(null, payload);
        } else failWith(err, payload, done);
      },
    );
  });

  // No onResponse hook to commit what a hijacked reply left: Fastify attaches a 'finish'
  // listener to every response once one exists, which cost ~10% of the throughput of a small
  // app (measured) for a case the README documents (commit before hijacking).

  if (owned) fastify.addHook('onClose', () => manager.close());
}

/**
 * Sessions for Fastify: `app.register(fastifySession, { secret })`, then `request.session`.
 * Loads in onRequest, commits in onSend (before the response is written) and closes the
 * manager it created in onClose. Registered with fastify-plugin, so it applies to the
 * context it is registered in and that context's children; registering it again there is
 * refused.
 */
export const fastifySession = fp(sessionPlugin, {
  fastify: '5.x',
  name: '@fastmmap/fastify',
});
