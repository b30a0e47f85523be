import { type IncomingHttpHeaders, IncomingMessage } from 'node:http';

// Node builds `req.headers` lazily in a getter on IncomingMessage.prototype. Reading it by
// name on an Express request costs V8 a full lookup (Express re-prototypes every request, so
// each has a hidden class of its own, and nothing before this middleware read `headers` on
// it); calling the getter itself skips that lookup and returns the same object, including
// one assigned with `req.headers = ...` (the setter stores it where the getter reads).
const nodeHeadersGetter = Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'headers')
  ?.get as ((this: IncomingMessage) => IncomingHttpHeaders) | undefined;

/**
 * Prototypes whose chain reaches IncomingMessage.prototype with no own `headers` on the way:
 * checked once per prototype (Express makes one per app), not on every request.
 */
const plainPrototypes = new WeakSet<object>();

function inheritsNodeHeaders(req: IncomingMessage): boolean {
  if (Object.hasOwn(req, 'headers')) return false;
  const proto: object | null = Object.getPrototypeOf(req);
  if (proto === null) return false;
  if (plainPrototypes.has(proto)) return true;
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, 'headers')) {
      if (p !== IncomingMessage.prototype) return false;
      plainPrototypes.add(proto);
      return true;
    }
  }
  return false;
}

/**
 * The request's Cookie header, as `req.headers.cookie` reads it. Requests that are not
 * IncomingMessages (test doubles) or that define `headers` some other way are read by name.
 */
export function cookieHeader(req: IncomingMessage): string | undefined {
  const headers =
    nodeHeadersGetter !== undefined && inheritsNodeHeaders(req)
      ? nodeHeadersGetter.call(req)
      : req.headers;
  return headers.cookie;
}
