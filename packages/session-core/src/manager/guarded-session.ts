import { SessionError } from '../errors.js';
import { dataNotHere } from './refuse-new-properties.js';
import type { Session } from './types.js';

// koa-session and @fastify/session keep data on the session itself (`session.views = n`);
// here it lives on `session.data`. The Session takes no new properties, so strict code gets
// a TypeError already, but a sloppy script would lose the write without a word: the guard
// refuses it in every mode, naming where the data goes, unless the adapter maps such names to
// the data (`dataProperties`). Methods run on the Session itself (its private fields are not
// reachable through a Proxy).
function handlerFor(
  where: string,
  { mapError, members, dataProperties = false }: SessionGuardOptions,
): ProxyHandler<Session<object>> {
  // One bound function per session and method, so `s.commit === s.commit` as on the session.
  const bound = new WeakMap<object, Map<string | symbol, unknown>>();
  // The names of a session's class (its prototype chain), taken when the guard first meets
  // that prototype: fixed, so a name added to a shared prototype later (pollution through
  // `s[a][b] = v`) stays data. Per prototype: sessions of another class (a wrapping manager, a
  // second copy of the package) get their own names.
  const classNames = new WeakMap<object, Set<string | symbol>>();
  const isMember = (target: object, name: string | symbol) => {
    const proto = Object.getPrototypeOf(target) as object;
    let names = classNames.get(proto);
    if (names === undefined) {
      names = namesOf(proto);
      classNames.set(proto, names);
    }
    return (
      names.has(name) ||
      Object.hasOwn(target, name) ||
      (members !== undefined && Object.hasOwn(members, name))
    );
  };
  // A name that reads and writes `data` (`__proto__` would replace the data's prototype).
  const dataName = (target: object, name: string | symbol): boolean =>
    dataProperties && typeof name === 'string' && name !== '__proto__' && !isMember(target, name);
  const dataOf = (target: Session<object>) => target.data as Record<string, unknown>;
  const refused = (message: string) => new SessionError('ERR_SESSION_UNSUPPORTED_DATA', message);
  const misplaced = (target: object, name: string | symbol, deleting = false) => {
    const key = String(name);
    const verb = deleting ? 'deleted' : 'replaced';
    if (name === '__proto__') return refused(`${where}.__proto__ is not a data key`);
    if (isMember(target, name)) {
      return refused(
        `${where}.${key} belongs to the session API and cannot be ${verb}: keep data named '${key}' in ${where}.data.${key}`,
      );
    }
    if (dataProperties) {
      // defineProperty, or a symbol: data is plain values under string keys, assigned.
      return refused(`${where}.${key} cannot be defined: assign data (${where}.data.${key} = ...)`);
    }
    return refused(
      deleting
        ? `${where}.${key} cannot be deleted: data lives on ${where}.data (delete ${where}.data.${key})`
        : dataNotHere(where, key),
    );
  };
  const handler: ProxyHandler<Session<object>> = {
    get(target, name) {
      if (dataName(target, name)) return dataOf(target)[name as string];
      // Not the Session's prototype: writes through it would reach every session.
      if (dataProperties && name === '__proto__') return undefined;
      // An adapter's own members first (its framework's API), run with the session as `this`.
      const source = members !== undefined && Object.hasOwn(members, name) ? members : target;
      const value = Reflect.get(source, name, target);
      return typeof value === 'function'
        ? boundMethod(bound, target, name, value, mapError)
        : value;
    },
    set(target, name, value) {
      if (name === 'data') target.data = value;
      else if (name === 'maxAge') target.maxAge = value;
      else if (dataName(target, name)) dataOf(target)[name as string] = value;
      // A member written back as it reads (passport's keepSessionInfo merges a session into
      // itself) changes nothing.
      else if (!Object.is(handler.get?.(target, name, target), value)) {
        throw misplaced(target, name);
      }
      return true;
    },
    has(target, name) {
      return dataName(target, name) ? Object.hasOwn(dataOf(target), name) : isMember(target, name);
    },
    defineProperty(target, name) {
      throw misplaced(target, name);
    },
    deleteProperty(target, name) {
      if (!dataName(target, name)) throw misplaced(target, name, true);
      delete dataOf(target)[name as string];
      return true;
    },
  };
  return handler;
}

/** Every property name of `object` and of its prototypes. */
function namesOf(object: object): Set<string | symbol> {
  const names = new Set<string | symbol>();
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o)) {
    for (const name of Reflect.ownKeys(o)) names.add(name);
  }
  return names;
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
    if (!(result instanceof Promise)) return result;
    // The session's promises are handled already (an unawaited save() must not end the
    // process on a store error); the mapped one must be too.
    const mapped = result.catch(fail);
    mapped.catch(() => {});
    return mapped;
  };
}

export interface SessionGuardOptions {
  /** Maps what the session's methods throw or reject with (Fastify hides store details so). */
  mapError?: (err: unknown) => unknown;
  /**
   * Members the adapter adds or replaces (its framework's session API: getters and methods),
   * looked up before the session's own and run with the session itself as `this`.
   */
  members?: object;
  /**
   * Other names read, write and delete keys of `data` (koa-session's `ctx.session.views = n`)
   * instead of throwing. `Object.keys` and spread still see no data (the Session's own keys).
   */
  dataProperties?: boolean;
}

/**
 * For adapters: made once, it turns each session into the session as the app sees it (`where`
 * is how the app reaches it, e.g. 'ctx.session'): data put on the Session instead of on `data`
 * is refused with a SessionError naming where it goes (sloppy scripts included), unless
 * `dataProperties` maps such names to the data. commitNow() and every method work on it as on
 * the session.
 */
export function sessionGuard(
  where: string,
  options: SessionGuardOptions = {},
): <S extends Session<object>>(session: S) => S {
  const handler = handlerFor(where, options);
  return <S extends Session<object>>(session: S) => new Proxy(session, handler) as S;
}
