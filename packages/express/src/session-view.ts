import { type InspectOptions, inspect } from 'node:util';
import {
  type Session,
  type SessionCookie,
  SessionError,
  type SessionManager,
} from '@fastmmap/session-core';
import { commitWithoutCookies, settleWithCallback } from '@fastmmap/session-core/adapter';
import type { Request } from 'express';
import { requestInfo } from './request-info.js';
import type { ExpressSession, ExpressSessionApi, SessionCallback } from './session-types.js';
import { isWebSocketHandshake } from './websocket-handshake.js';

/** What a view works on: the request, its manager and its live session (reload() swaps it). */
export interface SessionViewContext {
  readonly req: Request;
  readonly manager: SessionManager;
  current: Session;
  /** What `req.session` reads (regenerate(callback) moves it to a new view). */
  value: unknown;
  /** What the last save() or commit() through the view failed with (the app has it). */
  failedCommit: unknown;
  /** The response has its Set-Cookie values (or must never have them): none can go out now. */
  readonly cookiesDone: boolean;
  /** The id the request came with. */
  readonly loadedId: string;
}

type Data = Record<string, unknown>;

// Every member of the API: these names never reach `data`. A Record so that a member added to
// ExpressSessionApi without being listed here is a compile error.
const API_MEMBERS: Record<keyof ExpressSessionApi, true> = {
  id: true,
  data: true,
  isNew: true,
  destroyed: true,
  maxAge: true,
  cookie: true,
  regenerate: true,
  destroy: true,
  save: true,
  reload: true,
  touch: true,
  resetMaxAge: true,
  flash: true,
  flashes: true,
  cookieHeaders: true,
  commit: true,
};
const isApiMember = (name: string): boolean => Object.hasOwn(API_MEMBERS, name);

// Object.prototype's methods, which express-session's req.session inherits
// (`req.session.hasOwnProperty('user')`, `String(req.session)`). The view hands out its own
// copies run on itself, never the shared built-ins: `req.session[a][b] = v` with client-chosen
// keys would otherwise write onto them (Object.prototype.toString.call = v) for the process.
const OBJECT_METHODS: ReadonlyMap<string, (...args: unknown[]) => unknown> = new Map(
  (
    [
      'hasOwnProperty',
      'isPrototypeOf',
      'propertyIsEnumerable',
      'toLocaleString',
      'toString',
      'valueOf',
    ] as const
  ).map((name) => [name, Object.prototype[name] as (...args: unknown[]) => unknown]),
);

// `data.__proto__ = v` would replace the data's prototype rather than store a key.
function protoKeyError(): SessionError {
  return new SessionError('ERR_SESSION_UNSUPPORTED_DATA', 'req.session.__proto__: not a data key');
}

function apiMemberError(name: string): SessionError {
  // connect-flash writes req.session.flash: the usual way here.
  const hint =
    name === 'flash'
      ? ' (connect-flash is not needed: session() provides req.flash(), so remove app.use(flash()))'
      : '';
  return new SessionError(
    'ERR_SESSION_UNSUPPORTED_DATA',
    `req.session.${name} belongs to the session API: keep data named '${name}' in req.session.data.${name}${hint}`,
  );
}

/** The API half of a view; the Proxy around it (see createSessionView) adds the data half. */
class SessionApi {
  readonly #context: SessionViewContext;
  // Set once regenerate(callback) has moved req.session to a new view: this one keeps the
  // old data (passport's keepSessionInfo copies it from here).
  #detached: Data | undefined;
  #bound: Map<string, unknown> | undefined;
  /** The Proxy this is the target of: what chaining methods return. */
  view!: ExpressSession;

  constructor(context: SessionViewContext) {
    this.#context = context;
  }

  get #live(): Session {
    return this.#context.current;
  }

  get data(): Data {
    return this.#detached ?? (this.#live.data as Data);
  }

  set data(value: Data) {
    if (this.#detached) this.#detached = value;
    else this.#live.data = value;
  }

  get id(): string {
    return this.#live.id;
  }

  get isNew(): boolean {
    return this.#live.isNew;
  }

  get destroyed(): boolean {
    return this.#live.destroyed;
  }

  get maxAge(): number | null {
    return this.#live.maxAge;
  }

  set maxAge(value: number | null | undefined) {
    this.#live.maxAge = value;
  }

  get cookie(): SessionCookie {
    return this.#live.cookie;
  }

  regenerate(callback?: unknown): Promise<void> | undefined {
    if (typeof callback !== 'function') return this.#live.regenerate();
    return settleWithCallback(this.#regenerateEmpty(), callback);
  }

  destroy(callback?: unknown): Promise<void> | undefined {
    return settleWithCallback(this.#live.destroy(), callback);
  }

  save(callback?: unknown): Promise<void> | undefined {
    return settleWithCallback(this.commit(), callback);
  }

  reload(callback?: unknown): Promise<void> | undefined {
    return settleWithCallback(this.#reload(), callback);
  }

  touch(callback?: unknown): ExpressSession {
    this.#live.touch();
    if (typeof callback === 'function') process.nextTick(callback as SessionCallback);
    return this.view;
  }

  resetMaxAge(): ExpressSession {
    return this.touch();
  }

  flash(key: string, value: unknown): number {
    return this.#live.flash(key, value);
  }

  flashes(key: string): unknown[] {
    return this.#live.flashes(key);
  }

  cookieHeaders(): string[] {
    return this.#live.cookieHeaders();
  }

  commit(): Promise<string[]> {
    const context = this.#context;
    const live = this.#live;
    // A save() once the response has its cookies (a socket.io handler's, on the handshake's
    // request), or for a WebSocket (express-ws, ws): a cookie refresh it planned would count
    // as sent and never reach the browser.
    const late =
      (context.cookiesDone || isWebSocketHandshake(context.req)) &&
      !live.isNew &&
      live.id === context.loadedId;
    return new Promise<string[]>((resolve) =>
      resolve(late ? commitWithoutCookies(live) : live.commit()),
    ).then(
      (cookies) => {
        context.failedCommit = undefined;
        return cookies;
      },
      (err: unknown) => {
        context.failedCommit = err;
        throw err;
      },
    );
  }

  /** A method as a function that works detached from the view (`const { save } = ...`). */
  bound(name: string): unknown {
    this.#bound ??= new Map();
    let fn = this.#bound.get(name);
    if (fn === undefined) {
      const objectMethod = OBJECT_METHODS.get(name);
      fn =
        objectMethod?.bind(this.view) ??
        (Reflect.get(this, name) as (...args: unknown[]) => unknown).bind(this);
      this.#bound.set(name, fn);
    }
    return fn;
  }

  // console.log(req.session) shows the data, as it does with express-session. Node calls
  // this with the Proxy as `this`, so only public members are used.
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return inspect(this.data, options);
  }

  // express-session's regenerate: a new, empty session on a new req.session object.
  async #regenerateEmpty(): Promise<void> {
    const session = this.#live;
    const before = session.data as Data;
    await session.regenerate();
    session.data = {};
    // A new session from the defaults, as express-session's (whose cookie is new too).
    session.maxAge = undefined;
    this.#detached = before;
    this.#context.value = createSessionView(this.#context);
  }

  async #reload(): Promise<void> {
    const context = this.#context;
    const { req, manager } = context;
    const session = context.current;
    // The session's own cookie if it has one to send (say, created or regenerated in this
    // request and saved), else the one the request came with.
    const own = session.cookieHeaders()[0]?.split(';', 1)[0];
    const fresh = await manager.load(own ?? req.headers.cookie, requestInfo(req));
    if (fresh.id !== session.id) {
      throw new SessionError(
        'ERR_SESSION_DESTROYED',
        'reload(): the session is not in the store (never saved, expired or destroyed)',
      );
    }
    context.current = fresh;
  }
}

// One handler for every view: names of the API go to SessionApi, every other string to data.
const handler: ProxyHandler<SessionApi> = {
  get(target, name) {
    if (typeof name === 'symbol') return Reflect.get(target, name);
    if (!isApiMember(name)) {
      // The data's own keys only: an inherited name (`__proto__`, `constructor`, `toString`)
      // would hand a built-in shared by the process to `req.session[a][b] = v`.
      const data = target.data;
      if (Object.hasOwn(data, name)) return data[name];
      return OBJECT_METHODS.has(name) ? target.bound(name) : undefined;
    }
    const value = Reflect.get(target, name);
    return typeof value === 'function' ? target.bound(name) : value;
  },
  set(target, name, value) {
    if (typeof name === 'symbol') return Reflect.set(target, name, value);
    if (name === 'data') target.data = value;
    else if (name === 'maxAge') target.maxAge = value;
    else if (isApiMember(name)) throw apiMemberError(name);
    else if (name === '__proto__') throw protoKeyError();
    else target.data[name] = value;
    return true;
  },
  deleteProperty(target, name) {
    if (typeof name === 'symbol') return Reflect.deleteProperty(target, name);
    if (isApiMember(name)) throw apiMemberError(name);
    delete target.data[name];
    return true;
  },
  has(target, name) {
    if (typeof name === 'symbol') return Reflect.has(target, name);
    // As get reads: members, the data's own keys and Object.prototype's methods.
    return isApiMember(name) || Object.hasOwn(target.data, name) || OBJECT_METHODS.has(name);
  },
  // Own keys are the data's: Object.keys, spread, for...in and JSON.stringify see the data.
  ownKeys: (target) => Object.keys(target.data),
  getOwnPropertyDescriptor(target, name) {
    if (typeof name === 'symbol') return Reflect.getOwnPropertyDescriptor(target, name);
    const data = target.data;
    if (isApiMember(name) || !Object.hasOwn(data, name)) return undefined;
    return { value: data[name], writable: true, enumerable: true, configurable: true };
  },
  defineProperty(target, name, descriptor) {
    if (typeof name === 'symbol') return Reflect.defineProperty(target, name, descriptor);
    // Data is plain values: no accessors, nothing non-configurable.
    if (
      isApiMember(name) ||
      name === '__proto__' ||
      !('value' in descriptor) ||
      descriptor.configurable === false
    ) {
      return false;
    }
    target.data[name] = descriptor.value;
    return true;
  },
  // Freezing would pin the view's keys, which follow the data.
  preventExtensions: () => false,
};

/**
 * `req.session`: the Session API (with express-session's callback forms) on a Proxy that
 * maps every other property name to `session.data`, so express-session-era code
 * (`req.session.passport = {...}`, `req.session.views++`, `'x' in req.session`,
 * `Object.keys(req.session)`, JSON.stringify) works on the same data as `req.session.data`.
 */
export function createSessionView(context: SessionViewContext): ExpressSession {
  const api = new SessionApi(context);
  api.view = new Proxy(api, handler) as unknown as ExpressSession;
  return api.view;
}
