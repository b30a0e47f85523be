import { type Session, SessionError } from '@fastmmap/session-core';

function misplaced(name: string | symbol): SessionError {
  const key = String(name);
  return new SessionError(
    'ERR_SESSION_UNSUPPORTED_DATA',
    `ctx.session.${key} cannot be set: data lives on ctx.session.data (ctx.session.data.${key} = ...)`,
  );
}

// koa-session keeps data on the session itself (`ctx.session.views = n`); here it lives on
// `ctx.session.data`. The Session takes no new properties, so strict code gets a TypeError
// already, but a sloppy script would lose the write without a word: this view refuses it in
// every mode. Methods run on the Session itself (its private fields are not reachable
// through a Proxy).
const handler: ProxyHandler<Session> = {
  get(target, name) {
    const value = Reflect.get(target, name, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
  set(target, name, value) {
    if (name !== 'data') throw misplaced(name);
    target.data = value;
    return true;
  },
  defineProperty(_target, name) {
    throw misplaced(name);
  },
  deleteProperty(_target, name) {
    throw misplaced(name);
  },
};

/** What `ctx.session` gives: the Session, with a clear error for data put on it directly. */
export function sessionView(session: Session): Session {
  return new Proxy(session, handler);
}
