import type { Session } from '@fastmmap/session-core';
import { assignmentDestroys, connectFlash, sessionGuard } from '@fastmmap/session-core/adapter';
import type { Context } from 'koa';
import { koaSessionMembers } from './session-api.js';

// `ctx.session` is an accessor defined once on the app's `app.context` (the prototype Koa
// creates every ctx from), like koa-session's: a request then costs one symbol-keyed property
// write, not a defineProperty. A ctx that session() did not handle (another app, a route
// without it) reads undefined and assigns as to a plain property.
const SESSION = Symbol('@fastmmap/koa session');
const DESTROY = Symbol('@fastmmap/koa pending destroy');
/**
 * The cookie name of the session in SESSION (or in an own `session` property), and, while a
 * session() for another name runs inside it, the names of the outer ones too.
 */
const NAME = Symbol('@fastmmap/koa cookie names');
/** In DESTROY once the middleware has started its commit: nothing waits for a later destroy. */
const CLOSED = 'closed';

interface Slots {
  [SESSION]?: Session;
  [DESTROY]?: Promise<void> | typeof CLOSED;
  [NAME]?: string | readonly string[];
}
const slots = (ctx: object): Slots => ctx as Slots;

const noop = (): void => {};

/** ctx.session: other names are data (koa-session's way), plus the members passport uses. */
const guarded = sessionGuard('ctx.session', {
  members: koaSessionMembers,
  dataProperties: true,
});

function getSession(this: object): Session | undefined {
  return slots(this)[SESSION];
}

function setSession(this: Context, value: unknown): void {
  const state = slots(this);
  const session = state[SESSION];
  if (session === undefined) {
    // No session() on this request (a route without it): what a plain property would do.
    Object.defineProperty(this, 'session', {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    return;
  }
  if (!assignmentDestroys(session, value, 'ctx.session')) return;
  const destroying = session.destroy();
  if (state[DESTROY] === CLOSED) {
    // Assigned after the commit (by upstream code, or later still): the tombstone still ends
    // the session, but no commit waits for it, so a failure is reported as Koa reports errors
    // outside the response.
    destroying.catch((err: unknown) => this.app.emit('error', err, this));
    return;
  }
  // The commit awaits it and answers a failure; until then, no unhandled rejection.
  destroying.catch(noop);
  state[DESTROY] = destroying;
}

const accessor: PropertyDescriptor = { get: getSession, set: setSession, configurable: true };

// connect-flash's ctx.flash, where nothing on the context has one (koa-passport's failureFlash
// calls it; koa-better-flash and koa-connect-flash then add none: theirs would write
// ctx.session.flash, a member of the session API, and lose every message). Writable,
// so a middleware that assigns its own (koa-connect-flash's `unsafe`) shadows it.
const flashDescriptor: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  writable: true,
  value(this: object, ...args: unknown[]): unknown {
    return connectFlash(slots(this)[SESSION], args, 'ctx.flash()');
  },
};

/** Each app's context: true once it has our accessor, false when another owns `session`. */
const contexts = new WeakMap<object, boolean>();

function hasAccessor(ctx: Context): boolean {
  const context: object = ctx.app.context;
  let ours = contexts.get(context);
  if (ours === undefined) {
    // koa-session (say) defines its own there: leave it alone.
    ours = !Object.hasOwn(context, 'session');
    if (ours) {
      Object.defineProperty(context, 'session', accessor);
      if (!('flash' in context)) Object.defineProperty(context, 'flash', flashDescriptor);
    }
    contexts.set(context, ours);
  }
  // A ctx not made from its app's context (a hand-built one in a test) does not inherit it.
  return ours && Object.getPrototypeOf(ctx) === context;
}

/**
 * Where the session of a session() for `name` is on `ctx`: in `ctx.session` ('current'), in
 * an outer session() that one for another name replaced ('outer'), or nowhere.
 */
export function sessionNamed(ctx: Context, name: string): 'current' | 'outer' | undefined {
  const names = slots(ctx)[NAME];
  if (typeof names === 'string') return names === name ? 'current' : undefined;
  if (names === undefined || !names.includes(name)) return undefined;
  return names[names.length - 1] === name ? 'current' : 'outer';
}

/** Whether `ctx.session` came from a session() of this package (not from koa-session). */
export function sessionIsOurs(ctx: Context): boolean {
  return slots(ctx)[NAME] !== undefined;
}

/** What a session() for another cookie name replaces while it runs (see middleware.ts). */
export interface OuterSession {
  readonly slots: Slots;
  readonly own: PropertyDescriptor | undefined;
}

export function takeOuterSession(ctx: Context): OuterSession {
  const state = slots(ctx);
  return {
    slots: { [SESSION]: state[SESSION], [DESTROY]: state[DESTROY], [NAME]: state[NAME] },
    own: Object.getOwnPropertyDescriptor(ctx, 'session'),
  };
}

/** Gives `ctx.session` back to the outer session() once the inner one has committed. */
export function restoreOuterSession(ctx: Context, outer: OuterSession): void {
  Object.assign(slots(ctx), outer.slots);
  if (outer.own !== undefined) Object.defineProperty(ctx, 'session', outer.own);
  else if (Object.hasOwn(ctx, 'session')) delete (ctx as { session?: unknown }).session;
}

/** Gives `ctx` its session: `ctx.session` reads it; `ctx.session = null` destroys it. */
export function attachSession(ctx: Context, session: Session, name: string): void {
  const view = guarded(session);
  const state = slots(ctx);
  // Inside an outer session() (see takeOuterSession): its names stay, for sessionNamed.
  const outer = state[NAME];
  state[NAME] = outer === undefined ? name : [outer, name].flat();
  // An outer session()'s destroy was taken along by takeOuterSession: none pending for this one.
  if (state[DESTROY] !== undefined) state[DESTROY] = undefined;
  if (hasAccessor(ctx)) {
    state[SESSION] = view;
    return;
  }
  // Someone else's accessor (or none reachable): a plain own property, without the setter.
  Object.defineProperty(ctx, 'session', {
    value: view,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Called as the commit starts: the destroy `ctx.session = null` started, if any, for the
 * commit to await (it rejects if the destroy failed). Later assignments report on their own.
 */
export function takePendingDestroy(ctx: Context): Promise<void> | undefined {
  const state = slots(ctx);
  const pending = state[DESTROY];
  state[DESTROY] = CLOSED;
  return pending === CLOSED ? undefined : pending;
}
