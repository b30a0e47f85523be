import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectFlash } from '@fastmmap/session-core/adapter';
import { assignSession } from './assign-session.js';
import {
  commitOnEnd,
  endWithSession,
  type ResponseMethod,
  writeHeadWithCookies,
  writeWithSession,
} from './commit-on-end.js';
import { holderOf, holdInFlight, holdOnRequest } from './holders.js';
import { RequestSession } from './request-session.js';

// `req.session`, `res.end` and `res.writeHead` are installed once on the app's prototypes
// rather than on each request and response (own properties added to them cost V8 a new hidden
// class each time); the request's state is found through holders.ts (the response through
// `res.req`). A request of the app that did not go through session() finds nothing there:
// req.session is undefined, end and writeHead do what they did.
const hookedPrototypes = new WeakSet<object>();

/**
 * The outermost Express app prototype above `target` (app.request or app.response: they have
 * an own `app`, and a mounted app's inherit from its parent's, so every app a request passes
 * through sees it), when no object on the way holds one of `names` (our own hooks aside: an
 * app hooked before it was mounted). Undefined otherwise: not an Express object, or something
 * else owns those names there.
 */
function appPrototype(target: object, names: readonly string[]): object | undefined {
  for (const name of names) if (Object.hasOwn(target, name)) return undefined;
  let proto: object | null = Object.getPrototypeOf(target);
  if (proto === null || !Object.hasOwn(proto, 'app')) return undefined;
  for (;;) {
    const parent: object | null = Object.getPrototypeOf(proto);
    if (parent === null || !Object.hasOwn(parent, 'app')) return proto;
    if (!hookedPrototypes.has(proto)) {
      for (const name of names) if (Object.hasOwn(proto, name)) return undefined;
    }
    proto = parent;
  }
}

const REQUEST_NAMES = ['session'] as const;
const RESPONSE_NAMES = ['end', 'writeHead', 'write'] as const;

/** The request's state if session() is committing its response through the hooks. */
function pendingState(res: ServerResponse): RequestSession | undefined {
  const req: IncomingMessage | undefined = res.req;
  const state = req === undefined ? undefined : holderOf(req, res);
  return state instanceof RequestSession ? state : undefined;
}

/** The live session of a request that went through session(), if it did. */
function liveSession(req: IncomingMessage) {
  const state = holderOf(req);
  return state instanceof RequestSession ? state.current : undefined;
}

// express-session's req.sessionID and connect-flash's req.flash, for code written for them,
// where nothing else on the prototype chain has them. Assigning sessionID shadows it.
const REQUEST_COMPAT: PropertyDescriptorMap = {
  sessionID: {
    configurable: true,
    enumerable: false,
    get(this: IncomingMessage) {
      return liveSession(this)?.id;
    },
    set(this: object, value: unknown) {
      Object.defineProperty(this, 'sessionID', {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    },
  },
  flash: {
    configurable: true,
    enumerable: false,
    writable: true,
    value(this: IncomingMessage, ...args: unknown[]) {
      return connectFlash(liveSession(this), args, 'req.flash()');
    },
  },
};

const compatFlash = REQUEST_COMPAT.flash!.value as unknown;

/**
 * connect-flash mounted before session() gives a request its own `req.flash` when the app's
 * prototype has none yet (requests that passed it before the first one reached session()),
 * or on every request with its `unsafe` option. Its flash writes `req.session.flash`, which
 * the session refuses: a 500. Such a request gets ours instead (connect-flash's is named
 * `_flash`). One own-property lookup per request.
 */
function replaceConnectFlash(req: IncomingMessage, proto: { flash?: unknown }): void {
  const own = Object.getOwnPropertyDescriptor(req, 'flash');
  if (own === undefined || typeof own.value !== 'function' || !own.writable) return;
  if ((own.value as () => void).name === '_flash' && proto.flash === compatFlash) {
    (req as { flash?: unknown }).flash = compatFlash;
  }
}

function getSession(this: IncomingMessage): unknown {
  return holderOf(this)?.value;
}

// A plain data property of each request that session() did not handle; on one it did,
// assigning null logs out (see assign-session.ts).
function setSession(this: IncomingMessage, value: unknown): void {
  const holder = holderOf(this);
  if (holder instanceof RequestSession) assignSession(holder, value);
  else if (holder === undefined) holdOnRequest(this, { value });
  else holder.value = value;
}

function hookRequestPrototype(proto: object): boolean {
  if (hookedPrototypes.has(proto)) return true;
  if (Object.hasOwn(proto, 'session')) return false;
  for (const [name, descriptor] of Object.entries(REQUEST_COMPAT)) {
    if (!(name in proto)) Object.defineProperty(proto, name, descriptor);
  }
  Object.defineProperty(proto, 'session', {
    configurable: true,
    enumerable: false,
    get: getSession,
    set: setSession,
  });
  hookedPrototypes.add(proto);
  return true;
}

/**
 * `req.session !== undefined` for the middleware's double-mount check. When `req.session` is
 * our getter (the request's prototype is one we hooked, no own property), the holder is looked
 * up with `res` in hand: the getter would reach `res.locals` through `req.res`.
 */
export function hasSession(req: IncomingMessage, res: ServerResponse): boolean {
  const proto: object | null = Object.getPrototypeOf(req);
  if (proto === null || !hookedPrototypes.has(proto) || Object.hasOwn(req, 'session')) {
    return (req as { session?: unknown }).session !== undefined;
  }
  return holderOf(req, res)?.value !== undefined;
}

type WithSession = (
  res: ServerResponse,
  state: RequestSession,
  args: unknown[],
  original: ResponseMethod,
) => unknown;

/**
 * A method for the app's response prototype: responses with a session go to `withSession`,
 * others straight to what the prototype inherits (Node's method), looked up at each call
 * because mounting the app later re-parents its prototype.
 */
function sessionMethod(
  proto: object,
  name: (typeof RESPONSE_NAMES)[number],
  withSession: WithSession,
): PropertyDescriptor {
  return {
    configurable: true,
    writable: true,
    value: function (this: ServerResponse, ...args: unknown[]) {
      const state = pendingState(this);
      const original = (Object.getPrototypeOf(proto) as ServerResponse)[name] as ResponseMethod;
      if (state === undefined) return original.apply(this, args);
      return withSession(this, state, args, original);
    },
  };
}

function hookResponsePrototype(proto: object): boolean {
  if (hookedPrototypes.has(proto)) return true;
  if (RESPONSE_NAMES.some((name) => Object.hasOwn(proto, name))) return false;
  Object.defineProperties(proto, {
    end: sessionMethod(proto, 'end', endWithSession),
    writeHead: sessionMethod(proto, 'writeHead', writeHeadWithCookies),
    write: sessionMethod(proto, 'write', writeWithSession),
  });
  hookedPrototypes.add(proto);
  return true;
}

/**
 * `req.session` as an own property where the prototype cannot carry it: same behaviour. The
 * accessor's functions are the shared ones (new closures per request would put every request
 * object into V8's slow dictionary mode).
 */
const OWN_SESSION: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get: getSession,
  set: setSession,
};

/**
 * Gives the request its session (`req.session` is `state.value`) and makes the response
 * commit it before it ends: through the app's prototypes when possible, else (not Express,
 * or another middleware owns those properties) as own properties. The hooks check the
 * state's flags, so a response that gets both kinds still commits and adds its cookies once.
 */
export function attachSession(req: IncomingMessage, res: ServerResponse, state: RequestSession) {
  const requestProto = appPrototype(req, REQUEST_NAMES);
  const onPrototype = requestProto !== undefined && hookRequestPrototype(requestProto);
  // res.req is how the hooks find the state (Node sets it; so does Express).
  const responseProto = res.req === req ? appPrototype(res, RESPONSE_NAMES) : undefined;
  const hooked = responseProto !== undefined && hookResponsePrototype(responseProto);
  if (onPrototype) replaceConnectFlash(req, requestProto as { flash?: unknown });
  if (onPrototype && hooked) holdInFlight(req, res, state);
  else holdOnRequest(req, state);
  if (!onPrototype) Object.defineProperty(req, 'session', OWN_SESSION);
  if (!hooked) commitOnEnd(res, state);
}
