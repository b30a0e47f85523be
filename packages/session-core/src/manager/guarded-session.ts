import { SessionError } from '../errors.js';
import type { Session } from './types.js';

// koa-session and @fastify/session keep data on the session itself (`session.views = n`);
// here it lives on `session.data`. The Session takes no new properties, so strict code gets
// a TypeError already, but a sloppy script would lose the write without a word: the guard
// refuses it in every mode, naming where the data goes. Methods run on the Session itself
// (its private fields are not reachable through a Proxy).
function handlerFor(
  where: string,
  mapError: ((err: unknown) => unknown) | undefined,
): ProxyHandler<Session<object>> {
  // One bound function per session and method, so `s.commit === s.commit` as on the session.
  const bound = new WeakMap<object, Map<string | symbol, unknown>>();
  const misplaced = (name: string | symbol) => {
    const key = String(name);
    return new SessionError(
      'ERR_SESSION_UNSUPPORTED_DATA',
      `${where}.${key} cannot be set: data lives on ${where}.data (${where}.data.${key} = ...)`,
    );
  };
  return {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      return typeof value === 'function'
        ? boundMethod(bound, target, name, value, mapError)
        : value;
    },
    set(target, name, value) {
      if (name === 'data') target.data = value;
      else if (name === 'maxAge') target.maxAge = value;
      else throw misplaced(name);
      return true;
    },
    defineProperty(_target, name) {
      throw misplaced(name);
    },
    deleteProperty(_target, name) {
      throw misplaced(name);
    },
  };
}

function boundMethod(
  bound: WeakMap<object, Map<string | symbol, unknown>>,
  target: object,
  name: string | symbol,
  method: Function,
  mapError: ((err: unknown) => unknown) | undefined,
): unknown {
  let methods = bound.get(target);
  if (methods === undefined) {
    methods = new Map();
    bound.set(target, methods);
  }
  let fn = methods.get(name);
  if (fn === undefined) {
    fn = mapError === undefined ? method.bind(target) : mappingErrors(target, method, mapError);
    methods.set(name, fn);
  }
  return fn;
}

/** `method` on `target`, its errors (thrown or rejected) passed through `mapError`. */
function mappingErrors(target: object, method: Function, mapError: (err: unknown) => unknown) {
  const fail = (err: unknown): never => {
    throw mapError(err);
  };
  return (...args: unknown[]) => {
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (err) {
      fail(err);
    }
    return result instanceof Promise ? result.catch(fail) : result;
  };
}

const handlers = new Map<string, ProxyHandler<Session<object>>>();
const mappedHandlers = new WeakMap<Function, Map<string, ProxyHandler<Session<object>>>>();

/**
 * For adapters: the session as the app sees it (`where` is how the app reaches it, e.g.
 * 'ctx.session'), refusing data put on the Session instead of on `data`. commitNow() and
 * every method work on it as on the session. `mapError`, if given, maps what its methods throw
 * or reject with (the Fastify adapter hides store details from clients that way).
 */
export function guardedSession<S extends Session<object>>(
  session: S,
  where: string,
  mapError?: (err: unknown) => unknown,
): S {
  let byWhere = handlers;
  if (mapError !== undefined) {
    byWhere = mappedHandlers.get(mapError) ?? new Map();
    mappedHandlers.set(mapError, byWhere);
  }
  let handler = byWhere.get(where);
  if (handler === undefined) {
    handler = handlerFor(where, mapError);
    byWhere.set(where, handler);
  }
  return new Proxy(session, handler) as S;
}
